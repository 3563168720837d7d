"""Merge over hand-made chunk answers (test inputs, not model recordings)."""

from decimal import Decimal

from jixiao.catalog import load_catalog
from jixiao.core import Chunk, ChunkAnswer, ChunkStatus
from jixiao.merge import coerce_value, merge_answers

TEXT = (
    "2024年度某某区文学艺术界联合会整体支出绩效自评报告\n"
    "本部门共有编制人数2人，实有人数2人。\n"
    "2024年度单位一般公共预算财政拨款收入80.25万元。\n"
    "基本支出70.1万元，项目支出10.15万元。\n"
    "附表：一般公共预算：80.26\n"
)


def _chunks() -> list[Chunk]:
    half = TEXT.index("基本支出")
    return [
        Chunk(index=0, start=0, end=half, heading_path=[], text=TEXT[:half], tokens=1),
        Chunk(index=1, start=half, end=len(TEXT), heading_path=[], text=TEXT[half:], tokens=1),
    ]


def _answer(index: int, **fields) -> ChunkAnswer:
    return ChunkAnswer(chunk_index=index, status=ChunkStatus.ANSWERED, data=fields)


def _merge(answers):
    return merge_answers(load_catalog(), _chunks(), answers, TEXT)


def test_values_are_typed_and_quotes_located_exactly() -> None:
    fields, flags = _merge(
        [
            _answer(
                0,
                funds_general_budget_income={
                    "value": "80.25万元",
                    "quote": "一般公共预算财政拨款收入 80.25万元",
                },
                staffing_authorized={"value": "2人", "quote": "编制人数2人"},
            ),
        ]
    )
    income = fields["funds.general_budget_income"]
    assert income.value == Decimal("80.25")
    (evidence,) = income.evidence
    assert (
        TEXT[evidence.start : evidence.end] == evidence.quote == "一般公共预算财政拨款收入80.25万元"
    )
    assert fields["staffing.authorized"].value == 2
    assert flags == []


def test_the_best_evidenced_value_wins_and_disagreement_is_a_conflict() -> None:
    fields, flags = _merge(
        [
            _answer(
                0, funds_general_budget_income={"value": "80.25", "quote": "财政拨款收入80.25万元"}
            ),
            _answer(
                1, funds_general_budget_income={"value": "80.26", "quote": "一般公共预算：80.26"}
            ),
            _answer(1, funds_basic={"value": "99", "quote": "不在报告里"}),
        ]
    )
    field = fields["funds.general_budget_income"]
    assert {str(c.value) for c in field.candidates} == {"80.25", "80.26"}
    assert [f.code for f in flags] == ["conflict"]
    assert fields["funds.basic"].evidence == []


def test_failed_and_skipped_chunks_contribute_nothing() -> None:
    fields, _ = _merge(
        [
            ChunkAnswer(chunk_index=0, status=ChunkStatus.FAILED, error="x"),
            ChunkAnswer(chunk_index=1, status=ChunkStatus.SKIPPED),
        ]
    )
    assert all(f.value is None for f in fields.values())


def test_lists_are_combined_and_deduplicated() -> None:
    project = {"name": "文艺扶持", "actual": "10.15万元", "quote": "项目支出10.15万元"}
    fields, _ = _merge(
        [
            _answer(0, projects=[project], problems=["资金短缺"]),
            _answer(1, projects=[{**project, "name": "“文艺扶持”项目"}]),
        ]
    )
    (merged,) = fields["projects"].value
    assert merged.actual == Decimal("10.15")
    assert merged.evidence[0].quote == "项目支出10.15万元"
    (problem,) = fields["problems"].value
    assert problem.evidence == []  # 资金短缺 is not in TEXT


def test_coerce_values_by_kind() -> None:
    catalog = load_catalog()
    assert coerce_value(catalog.field("fiscal_year"), "2024年度") == 2024
    assert coerce_value(catalog.field("funds.execution_rate"), "100%") == Decimal(100)
    assert coerce_value(catalog.field("funds.basic"), "701000元") == Decimal("70.1")
    assert coerce_value(catalog.field("staffing.actual"), "4.5人") is None
    assert coerce_value(catalog.field("report_kind"), "部门") is None
    assert coerce_value(catalog.field("funds.basic"), "无") is None
