import itertools

import pytest

from jixiao.catalog import load_catalog
from jixiao.chunk import estimate_tokens, groups_for, make_chunks
from jixiao.core import BlockKind
from jixiao.ingest import read_source
from jixiao.normalize import normalize_document
from jixiao.segment import build_sections, segment


def _chunks(path, budget):
    normalized = normalize_document(read_source(path))
    blocks = segment(normalized)
    sections = build_sections(normalized.text, blocks)
    return normalized.text, blocks, make_chunks(normalized.text, sections, budget, load_catalog())


@pytest.mark.parametrize("budget", [300, 800, 2000, 100000])
def test_chunks_are_slices_in_order_and_cover_every_block(example_paths, budget: int) -> None:
    for path in example_paths:
        text, blocks, chunks = _chunks(path, budget)
        assert chunks
        for chunk in chunks:
            assert chunk.text == text[chunk.start : chunk.end]
        assert all(a.end <= b.start for a, b in itertools.pairwise(chunks))
        for block in blocks:
            assert any(c.start <= block.start and block.end <= c.end for c in chunks) or (
                block.kind is not BlockKind.HEADING  # oversized blocks are cut, never lost
                and any(c.start <= block.start < c.end for c in chunks)
            )


def test_chunks_respect_the_budget_and_never_split_table_rows(example_paths) -> None:
    _, blocks, chunks = _chunks(example_paths[0], 300)
    for chunk in chunks:
        # Only a single table row or a single sentence may exceed the budget.
        assert chunk.tokens <= 300 or "\n\n" not in chunk.text.strip("\n")
    for table in (b for b in blocks if b.kind is BlockKind.TABLE):
        for row in table.rows:
            spans = [c for c in row if c.end > c.start]
            if not spans:
                continue
            holders = {c.index for c in chunks for cell in spans if c.start <= cell.start < c.end}
            assert len(holders) == 1, f"row split across chunks: {[c.text for c in row]}"


def test_chunks_carry_heading_path_and_groups(example_paths) -> None:
    _, _, chunks = _chunks(example_paths[0], 800)
    assert chunks[0].groups[0] == "basics"
    assert any(c.heading_path and c.heading_path[0].startswith("附件3") for c in chunks)
    assert any("indicators" in c.groups for c in chunks)


def test_estimate_counts_cjk_as_one_token() -> None:
    assert estimate_tokens("绩效自评") == 5
    assert estimate_tokens("a" * 35) == 11


@pytest.mark.parametrize(
    ("text", "group"),
    [
        ("报告日期：2031年2月3日\n联络电话 |\n5551234 |", "filing"),
        ("報(bào)告日期:2031年 2月 3日", "filing"),  # a mirror's pinyin glosses
        ("某某区青苗办2030年度整体支出绩效报告\n(2031年2月)\n一、基本情况", "filing"),
        ("  2031年2月3日\n\n  (此页为封面)", "filing"),
        ("经综合评定，本项目绩效自评等次为优秀。", "score"),
        ("本单位2030年度整体支出绩效评价评为好。", "score"),
        ("我办2030年度专项支出绩效自评 91分。", "score"),
        ("项目自评分：88.5分", "score"),
        ("年度資金總額:77.7177.71100%", "funds"),
        ("結余 (萬元) |\n0 |", "funds"),
        ("人員編製 |\n12 |\n實有人數 |\n11 |", "basics"),
    ],
)
def test_groups_follow_the_wordings_that_state_their_fields(text: str, group: str) -> None:
    assert group in groups_for(text, load_catalog())


@pytest.mark.parametrize(
    ("text", "group"),
    [
        # an honour in prose is no grade; a date inside a sentence is no cover date
        ("3名青年被评为“2030年度优秀志愿者”。", "score"),
        ("自评工作于2031年2月完成，报送财政局。", "filing"),
        ("发布日期：2031-02-03 浏览次数：12", "filing"),
    ],
)
def test_lookalike_wordings_do_not_ask_the_group(text: str, group: str) -> None:
    assert group not in groups_for(text, load_catalog())
