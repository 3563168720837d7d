import itertools

import pytest

from jixiao.catalog import load_catalog
from jixiao.chunk import estimate_tokens, make_chunks
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
