"""Merge and validate over hand-made chunk answers (test inputs, not model recordings)."""

from decimal import Decimal

from jixiao.catalog import load_catalog
from jixiao.core import Chunk, ChunkAnswer, ChunkStatus, FieldStatus
from jixiao.merge import coerce_value, merge_answers
from jixiao.validate import validate

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


def _run(answers):
    catalog = load_catalog()
    fields, merge_flags = merge_answers(catalog, _chunks(), answers, TEXT)
    flags = validate(catalog, fields, merge_flags, answers, TEXT)
    return fields, flags


def test_grounded_values_are_ok_with_exact_evidence() -> None:
    fields, flags = _run(
        [
            _answer(
                0,
                funds_general_budget_income={
                    "value": "80.25万元",
                    "quote": "一般公共预算财政拨款收入80.25万元",
                },
                staffing_authorized={"value": "2人", "quote": "编制人数2人"},
            ),
        ]
    )
    income = fields["funds.general_budget_income"]
    assert income.value == Decimal("80.25")
    assert income.status is FieldStatus.OK
    (evidence,) = income.evidence
    assert TEXT[evidence.start : evidence.end] == evidence.quote
    assert fields["staffing.authorized"].value == 2
    assert not flags


def test_planted_number_not_in_report_is_an_error() -> None:
    fields, flags = _run(
        [_answer(1, funds_basic={"value": "71.3万元", "quote": "基本支出71.3万元"})]
    )
    assert fields["funds.basic"].status is FieldStatus.FLAGGED
    assert [f.code for f in flags] == ["not_in_source"]


def test_number_quoted_under_the_wrong_label_is_a_warning() -> None:
    # 10.15 is in the report, but as 项目支出; the quote offered does not exist.
    fields, flags = _run(
        [_answer(1, funds_basic={"value": "10.15万元", "quote": "基本支出10.15万元"})]
    )
    assert fields["funds.basic"].status is FieldStatus.FLAGGED
    assert [f.code for f in flags] == ["weak_label"]


def test_chunks_that_disagree_raise_a_conflict_and_keep_both() -> None:
    fields, flags = _run(
        [
            _answer(
                0, funds_general_budget_income={"value": "80.25", "quote": "财政拨款收入80.25万元"}
            ),
            _answer(
                1, funds_general_budget_income={"value": "80.26", "quote": "一般公共预算：80.26"}
            ),
        ]
    )
    field = fields["funds.general_budget_income"]
    assert {str(c.value) for c in field.candidates} == {"80.25", "80.26"}
    assert "conflict" in field.flags
    assert any(f.code == "conflict" for f in flags)


def test_failed_chunks_are_flagged_never_dropped() -> None:
    answers = [
        _answer(0),
        ChunkAnswer(chunk_index=1, status=ChunkStatus.FAILED, error="APIConnectionError: refused"),
    ]
    _, flags = _run(answers)
    assert [f.code for f in flags] == ["chunk_failed"]
    assert "refused" in flags[0].message


def test_lists_are_combined_and_deduplicated() -> None:
    project = {"name": "文艺扶持", "actual": "10.15万元", "quote": "项目支出10.15万元"}
    fields, _ = _run(
        [
            _answer(0, projects=[project], problems=["资金短缺"]),
            _answer(1, projects=[{**project, "name": "“文艺扶持”项目"}]),
        ]
    )
    projects = fields["projects"].value
    assert len(projects) == 1
    assert projects[0]["actual"] == Decimal("10.15")
    assert fields["problems"].status is FieldStatus.FLAGGED  # 资金短缺 is not in TEXT


def test_coerce_values_by_kind() -> None:
    catalog = load_catalog()
    assert coerce_value(catalog.field("fiscal_year"), "2024年度") == 2024
    assert coerce_value(catalog.field("funds.execution_rate"), "100%") == Decimal(100)
    assert coerce_value(catalog.field("funds.basic"), "701000元") == Decimal("70.1")
    assert coerce_value(catalog.field("staffing.actual"), "4.5人") is None
    assert coerce_value(catalog.field("report_kind"), "部门") is None
    assert coerce_value(catalog.field("funds.basic"), "无") is None
