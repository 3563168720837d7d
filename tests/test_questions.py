"""Questions: which fields each chunk is asked for, how many at a time, and how a
question that failed by size is split (never re-sent as it was)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from jixiao.catalog import load_catalog
from jixiao.core import Chunk, Question
from jixiao.questions import (
    MIN_SPLIT_CHARS,
    field_cues,
    plan_questions,
    size_tokens,
    split_question,
)

CATALOG = load_catalog()
ALL_FIELDS = {spec.key for spec in CATALOG.fields}
ALL_LISTS = {spec.path for spec in CATALOG.lists}


def chunk(text: str, index: int = 1, groups: list[str] | None = None) -> Chunk:
    return Chunk(
        index=index,
        start=0,
        end=len(text),
        heading_path=[],
        text=text,
        tokens=len(text),
        groups=groups or [],
    )


def test_a_chunk_is_asked_only_for_fields_whose_wording_it_holds() -> None:
    text = "本年度全年预算数为120.5万元，预算执行率为98%。"
    (question,) = plan_questions([chunk(text)], CATALOG, ALL_FIELDS, set(), 8, 2048)
    assert set(question.fields) == {"funds_budget_full_year", "funds_execution_rate"}
    assert question.text == text


def test_a_chunk_without_cues_is_not_asked_and_closed_fields_are_never_asked() -> None:
    assert (
        plan_questions([chunk("会议听取了工作汇报。")], CATALOG, ALL_FIELDS, set(), 4, 2048) == []
    )
    text = "全年预算数为120.5万元，预算执行率为98%。"
    (question,) = plan_questions([chunk(text)], CATALOG, {"funds_execution_rate"}, set(), 4, 2048)
    assert question.fields == ["funds_execution_rate"]


def test_title_fields_are_asked_in_the_first_chunk_only() -> None:
    first, later = (
        chunk("某某局2023年度部门整体支出绩效自评报告", index=0),
        chunk("2023年度", index=1),
    )
    questions = plan_questions([first, later], CATALOG, ALL_FIELDS, set(), 8, 2048)
    asked = {(q.chunk_index, f) for q in questions for f in q.fields}
    assert (0, "report_kind") in asked and (0, "fiscal_year") in asked
    assert not any(f in ("report_kind", "fiscal_year") for c, f in asked if c == 1)


def test_fields_are_asked_a_few_at_a_time_and_lists_alone() -> None:
    text = (
        "收入合计100万元，支出合计90万元，年初预算数80万元，全年预算数95万元，执行率94.7%。\n"
        "存在的问题\n一是宣传不够。"
    )
    questions = plan_questions([chunk(text)], CATALOG, ALL_FIELDS, ALL_LISTS, 2, 2048)
    scalars = [q for q in questions if q.fields]
    assert all(len(q.fields) <= 2 and not q.lists for q in scalars)
    assert sum(len(q.fields) for q in scalars) >= 5
    assert [q.lists for q in questions if q.lists] == [["problems"]]
    assert len({q.part for q in questions}) == len(questions)


def test_max_tokens_grow_with_what_is_asked_and_stop_at_the_ceiling() -> None:
    one = size_tokens(CATALOG, ["funds_income_total"], [], 2048)
    two = size_tokens(CATALOG, ["funds_income_total", "funds_basic"], [], 2048)
    assert 0 < one < two < size_tokens(CATALOG, [], ["indicators"], 2048)
    assert size_tokens(CATALOG, sorted(ALL_FIELDS), sorted(ALL_LISTS), 512) == 512


def test_a_split_halves_the_fields_then_cuts_the_text_around_the_cue() -> None:
    filler = "这是一段与数字无关的说明文字。\n" * 40
    text = filler + "预算执行率为98%。\n" + filler
    question = Question(
        chunk_index=3,
        start=100,
        end=100 + len(text),
        text=text,
        fields=["funds_execution_rate", "funds_income_total", "funds_basic"],
        max_tokens=300,
    )
    halves = split_question(question, CATALOG, 2048)
    assert [q.fields for q in halves] == [
        ["funds_execution_rate", "funds_income_total"],
        ["funds_basic"],
    ]
    assert all(q.max_tokens < question.max_tokens for q in halves)
    (window,) = split_question(
        halves[0].model_copy(update={"fields": ["funds_execution_rate"]}), CATALOG, 2048
    )
    assert "预算执行率为98%" in window.text and len(window.text) < len(text)
    assert text[window.start - 100 : window.end - 100] == window.text
    assert window.part not in (question.part, halves[0].part)


def test_a_short_text_with_one_field_cannot_shrink() -> None:
    question = Question(
        chunk_index=0, start=0, end=10, text="预算执行率为98%。", fields=["funds_execution_rate"]
    )
    assert split_question(question, CATALOG, 2048) == []


@settings(deadline=None)
@given(
    st.text(
        alphabet="预算执行率收入合计。，\n0123456789万元%", min_size=MIN_SPLIT_CHARS, max_size=900
    )
)
def test_every_split_part_is_smaller_and_lies_within_its_parent(text: str) -> None:
    question = Question(
        chunk_index=0, start=7, end=7 + len(text), text=text, fields=["funds_execution_rate"]
    )
    for part in split_question(question, CATALOG, 2048):
        assert len(part.text) < len(text)
        assert text[part.start - 7 : part.end - 7] == part.text
        assert part.fields == question.fields


def test_a_pattern_label_is_also_a_plain_cue_for_tables_flattened_on_one_line() -> None:
    basic = next(s for s in CATALOG.fields if s.key == "funds_basic")
    assert "基本支出" in field_cues(basic).words
    assert field_cues(basic).hit(["项目 | 基本支出 | 120.00"])
