"""Grounding, reconciliation and checks on the example reports.

Model answers here are hand-made test inputs (a planted wrong number, a number that is
not in the report, a number moved to the wrong field), not recordings of a model.
"""

import re
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import EXAMPLES
from jixiao.catalog import load_catalog
from jixiao.core import ChunkAnswer, ChunkStatus, FieldStatus, Project
from jixiao.figures import parse_figure
from jixiao.pipeline import prepare, settle_report
from jixiao.settings import Settings

LULONG_ARTS = EXAMPLES / "000_76118bcffa81813f.txt"
SHIFENG_ARTS = EXAMPLES / "001_ff46524d0f176dc8.txt"
LULONG_PROPAGANDA = EXAMPLES / "003_6f9e6739ce5cdaa5.txt"


def _settle(path, model: dict | None = None):
    catalog = load_catalog()
    prepared = prepare(path, Settings(), catalog)
    answers = []
    if model is not None:
        # Every chunk answers the same: the quotes are located across the whole text.
        answers = [
            ChunkAnswer(chunk_index=c.index, status=ChunkStatus.ANSWERED, data=model)
            for c in prepared.chunks
        ]
    fields, flags = settle_report(catalog, prepared, answers)
    return prepared.text, fields, flags


def _codes(flags, path):
    return {f.code for f in flags if f.field == path}


def test_rules_only_reads_the_funds_block() -> None:
    _, fields, flags = _settle(LULONG_ARTS)
    expected = {
        "fiscal_year": 2024,
        "staffing.authorized": 4,
        "staffing.actual": 4,
        "staffing.retired": 0,
        "funds.general_budget_income": Decimal("80.25"),
        "funds.budget_initial": Decimal("69.89"),
        "funds.budget_full_year": Decimal("80.25"),
        "funds.expenditure_total": Decimal("80.25"),
        "funds.basic": Decimal("70.1"),
        "funds.project": Decimal("10.15"),
        "funds.personnel": Decimal("60.5"),
        "funds.public": Decimal("9.6"),
        "funds.execution_rate": Decimal(100),
        "score.total": Decimal(98),
        "satisfaction.satisfied": Decimal(90),
        "unit_name": "株洲市芦淞区文学艺术界联合会",
    }
    for path, value in expected.items():
        assert fields[path].value == value, path
        assert fields[path].status is FieldStatus.OK, (path, fields[path].flags)
    assert not [f for f in flags if f.severity == "error"]


def test_every_ok_field_has_exact_evidence_holding_its_value() -> None:
    for path in sorted(EXAMPLES.glob("*.txt")):
        text, fields, _ = _settle(path)
        for name, field in fields.items():
            if field.status is not FieldStatus.OK or isinstance(field.value, list):
                continue
            assert field.evidence, name
            for evidence in field.evidence:
                assert text[evidence.start : evidence.end] == evidence.quote
            assert any(_states(field.value, e.quote) for e in field.evidence), (name, field.value)


def _states(value, quote: str) -> bool:
    """Whether a quote prints a value (an independent reading, not the validator's)."""
    if isinstance(value, str):
        return value in ("unit", "project") or "".join(value.split()) in "".join(quote.split())
    figure = parse_figure(quote)
    if figure is None:
        return False
    return value in (figure.value, figure.in_wanyuan())


def test_the_real_gap_between_projects_and_their_total_is_flagged() -> None:
    _, fields, flags = _settle(SHIFENG_ARTS)
    actuals = [p.actual for p in fields["projects"].value]
    assert actuals == [Decimal("4.22"), Decimal("4.00")]
    assert fields["funds.project"].value == Decimal("8.23")
    (gap,) = [f for f in flags if f.code == "sum_projects"]
    assert (
        "8.22 万元" in gap.message and "8.23 万元" in gap.message and "差 0.01 万元" in gap.message
    )
    assert fields["funds.project"].status is FieldStatus.FLAGGED


def test_the_narrative_vs_table_budget_conflict_is_flagged() -> None:
    _, fields, flags = _settle(LULONG_PROPAGANDA)
    (conflict,) = [f for f in flags if f.field == "funds.budget_initial"]
    assert conflict.code == "conflict"
    assert "198.34" in conflict.message and "476.74" in conflict.message
    assert fields["funds.budget_initial"].status is FieldStatus.FLAGGED


@pytest.mark.parametrize(
    ("answer", "path", "codes"),
    [
        # a wrong number that is printed elsewhere in the report (it is the project spend)
        (
            {"funds_basic": {"value": "10.15万元", "quote": "基本支出10.15万元"}},
            "funds.basic",
            {"weak_label", "model_rule_disagree", "proposed_by_rules"},
        ),
        # a number printed nowhere in the report
        (
            {"funds_personnel": {"value": "61.5万元", "quote": "人员经费61.5万元"}},
            "funds.personnel",
            {"not_in_source", "model_rule_disagree", "proposed_by_rules"},
        ),
        # the right number moved to the wrong field
        (
            {"funds_public": {"value": "60.5万元", "quote": "人员经费60.5万元"}},
            "funds.public",
            {"weak_label", "model_rule_disagree", "proposed_by_rules"},
        ),
    ],
)
def test_planted_model_errors_are_flagged_and_corrected_by_proposal(answer, path, codes) -> None:
    _, fields, flags = _settle(LULONG_ARTS, answer)
    assert _codes(flags, path) == codes
    field = fields[path]
    assert field.status is FieldStatus.FLAGGED
    truth = {"funds.basic": "70.1", "funds.personnel": "60.5", "funds.public": "9.6"}[path]
    assert field.value == Decimal(truth)
    # the messages are Chinese: the field's catalog name and figures in 万元, no path
    name = load_catalog().field(path).zh
    planted = answer[next(iter(answer))]["value"].removesuffix("万元")
    for found in (f for f in flags if f.field == path):
        assert name in found.message and path not in found.message, found
        assert not re.search(r"[A-Za-z]{2,}", found.message), found
    proposal = next(f for f in flags if f.field == path and f.code == "model_rule_disagree")
    assert f"{planted} 万元" in proposal.message and f"{truth} 万元" in proposal.message


def test_a_grounded_model_value_is_ok_and_silence_keeps_the_rules_reading() -> None:
    answer = {"funds_basic": {"value": "70.1万元", "quote": "基本支出70.1万元"}}
    _, fields, flags = _settle(LULONG_ARTS, answer)
    _, alone, _ = _settle(LULONG_ARTS)
    assert fields["funds.basic"].status is FieldStatus.OK
    # silence is not doubt: what the model did not answer is what the rules alone give
    assert fields["funds.project"].value == Decimal("10.15")
    assert _codes(flags, "funds.project") == set()
    for path, field in fields.items():
        if path != "funds.basic":
            assert (field.value, field.status, field.evidence) == (
                alone[path].value,
                alone[path].status,
                alone[path].evidence,
            ), path


def test_label_words_returned_as_values_are_not_ok() -> None:
    answer = {"goals_expected": {"value": "预期目标", "quote": "预期目标"}}
    _, fields, flags = _settle(LULONG_ARTS, answer)
    assert "weak_label" in _codes(flags, "goals.expected")
    assert fields["goals.expected"].value.startswith("重点开展文艺创作")


def test_ocr_doubts_flag_a_value_only_when_no_clean_reading_supports_it() -> None:
    from jixiao.core import Evidence, ReportField, Suspect
    from jixiao.validate import suspect_flags

    text = "收入合计80.25万元。\n| 收入合计 | 80.25 |"
    table_at = text.index("| 收入")
    in_table = Evidence(start=table_at + 9, end=table_at + 14, quote="80.25")
    in_prose = Evidence(start=4, end=9, quote="80.25")
    doubt = [Suspect(start=table_at, end=len(text), reason="ocr_low_confidence")]
    only_doubtful = {"funds.income_total": ReportField(value=Decimal("80.25"), evidence=[in_table])}
    assert [f.code for f in suspect_flags(only_doubtful, doubt)] == ["ocr_low_confidence"]
    both = {
        "funds.income_total": ReportField(value=Decimal("80.25"), evidence=[in_table, in_prose])
    }
    assert suspect_flags(both, doubt) == []
    items = {"projects": ReportField(value=[Project(name="甲", evidence=[in_table])])}
    assert [f.field for f in suspect_flags(items, doubt)] == ["projects[0]"]


def test_every_flag_code_the_library_raises_is_in_the_flag_catalog() -> None:
    import re

    from jixiao.checks import load_checks
    from jixiao.flags import load_flags

    source = "\n".join(
        path.read_text(encoding="utf-8")
        for path in (Path(__file__).parent.parent / "src" / "jixiao").rglob("*.py")
    )
    raised = set(re.findall(r'code="([a-z_]+)"', source))
    raised |= set(re.findall(r'add\(\s*"([a-z_]+)",\s*Severity', source))
    raised |= {rule.code for rule in load_checks().checks}
    raised |= {"not_in_source", "weak_label", "model_rule_disagree", "chunk_failed"}
    raised |= {"ocr_low_confidence", "ocr_page_break", "ocr_repaired_digit"}
    assert raised <= set(load_flags()), raised - set(load_flags())


def _settle_text(tmp_path: Path, text: str, model: dict | None = None):
    path = tmp_path / "report.txt"
    path.write_text(text, encoding="utf-8")
    return _settle(path, model)


TITLED = (
    "某某县文体局2031年度部门整体支出绩效自评报告\n"
    "一、部门（单位）基本情况\n"
    "2030年结转资金已于年初拨付完毕。\n"
    "| 单位名称 | 某某县政府督查室 |\n"
)


def test_a_model_value_equal_to_the_rules_own_finding_is_grounded(tmp_path: Path) -> None:
    model = {
        "fiscal_year": {"value": "2031", "quote": "某某县文体局2031年度部门整体支出"},
        "report_kind": {"value": "unit", "quote": "部门整体支出绩效自评报告"},
    }
    text, fields, flags = _settle_text(tmp_path, TITLED, model)
    # the title year and the title's kind, which the rules read on their own
    for path, value in (("fiscal_year", 2031), ("report_kind", "unit")):
        assert (fields[path].value, fields[path].status) == (value, FieldStatus.OK), path
    (year,) = fields["fiscal_year"].evidence
    assert text[year.start : year.end].startswith("2031")
    # a year printed elsewhere (carried-over funds) is not the title's: flagged, replaced
    model["fiscal_year"] = {"value": "2030", "quote": "2030年结转资金"}
    _, fields, flags = _settle_text(tmp_path, TITLED, model)
    assert fields["fiscal_year"].value == 2031
    assert fields["fiscal_year"].status is FieldStatus.FLAGGED
    assert {"weak_label", "model_rule_disagree", "proposed_by_rules"} <= _codes(
        flags, "fiscal_year"
    )


def test_an_inferred_rules_value_never_replaces_the_models(tmp_path: Path) -> None:
    # no title: the rules only infer "unit" from a heading
    text = "一、单位基本情况\n本镇2031年村级运转经费共支出270.5万元。\n"
    model = {"report_kind": {"value": "project", "quote": "村级运转经费"}}
    _, fields, flags = _settle_text(tmp_path, text, model)
    assert fields["report_kind"].value == "project"
    assert fields["report_kind"].status is FieldStatus.FLAGGED
    assert "model_rule_disagree" in _codes(flags, "report_kind")
    assert "proposed_by_rules" not in _codes(flags, "report_kind")
    # the same inferred value agreeing with the model is still not ok
    model["report_kind"]["value"] = "unit"
    _, fields, _ = _settle_text(tmp_path, text, model)
    assert fields["report_kind"].value == "unit"
    assert fields["report_kind"].status is FieldStatus.FLAGGED


def test_a_name_is_not_in_conflict_with_its_short_form(tmp_path: Path) -> None:
    full = TITLED.replace("某某县文体局", "某某县人民政府督查室")
    model = {"unit_name": {"value": "某某县人民政府督查室", "quote": "某某县人民政府督查室"}}
    _, fields, flags = _settle_text(tmp_path, full, model)
    assert fields["unit_name"].value == "某某县人民政府督查室"
    # the cell's short form does not conflict with it; the name is stated by the title
    # alone (the cell after the first heading is not read as the unit's), so inferred
    assert "conflict" not in _codes(flags, "unit_name")
    # a short form chosen beside its full name is not the name as written
    short = {"unit_name": {"value": "某某县政府督查室", "quote": "某某县政府督查室"}}
    _, fields, flags = _settle_text(tmp_path, full, short)
    assert fields["unit_name"].status is FieldStatus.FLAGGED
    assert "conflict" in _codes(flags, "unit_name")
    # the name without its place is a short form too
    tail = full.replace("| 单位名称 | 某某县政府督查室 |", "| 单位名称 | 县政府督查室 |")
    _, fields, flags = _settle_text(tmp_path, tail, model)
    assert "conflict" not in _codes(flags, "unit_name")
    # the parent government is another body: never ok
    parent = full.replace("| 单位名称 | 某某县政府督查室 |", "| 单位名称 | 某某县人民政府 |")
    _, fields, flags = _settle_text(tmp_path, parent, model)
    assert fields["unit_name"].status is FieldStatus.FLAGGED
    assert _codes(flags, "unit_name") & {"conflict", "inferred"}


def test_an_implausible_rules_reading_does_not_replace_the_models(tmp_path: Path) -> None:
    # a rate whose digits ran together with its neighbours' (cells that lost their
    # separators, outside any form the form reader knows) reads as an absurd rate
    text = (
        "2031年度某某县堤防维修项目支出绩效自评报告\n"
        "项目资金预算执行率353510100.00%。\n"
        "资金全部支付，支付进度100%。\n"
    )
    model = {"funds_execution_rate": {"value": "100", "quote": "支付进度100%"}}
    _, alone, _ = _settle_text(tmp_path, text)
    assert alone["funds.execution_rate"].value == Decimal(353510100)
    _, fields, flags = _settle_text(tmp_path, text, model)
    assert fields["funds.execution_rate"].value == Decimal(100)
    assert fields["funds.execution_rate"].status is FieldStatus.FLAGGED
    assert "proposed_by_rules" not in _codes(flags, "funds.execution_rate")


GLUED_FORM = (
    "某某县防疫站2031年度部门整体支出绩效自评报告\n"
    "年度预算申请(万元)年初预算数全年预算数全年执行数分值执行率得分"
    "年度资金总额1357.241357.241357.2410100%10按收入性质分:1357.24按支出性质分:1357.24\n"
)


def test_a_model_reading_glued_cells_whole_leaves_the_forms_reading(tmp_path: Path) -> None:
    _, alone, _ = _settle_text(tmp_path, GLUED_FORM)
    assert alone["funds.expenditure_total"].value == Decimal("1357.24")
    assert alone["funds.expenditure_total"].status is FieldStatus.OK
    # the model took the glued run for one figure: the arithmetic-confirmed split stands
    glued = {"funds_expenditure_total": {"value": "1357.241357", "quote": "1357.241357.24"}}
    _, fields, flags = _settle_text(tmp_path, GLUED_FORM, glued)
    assert fields["funds.expenditure_total"].value == Decimal("1357.24")
    assert fields["funds.expenditure_total"].status is FieldStatus.OK
    # a figure printed nowhere, not even glued, is still a fabrication
    made_up = {"funds_expenditure_total": {"value": "1375.42", "quote": "年度资金总额"}}
    _, fields, flags = _settle_text(tmp_path, GLUED_FORM, made_up)
    assert fields["funds.expenditure_total"].status is FieldStatus.FLAGGED
    assert "not_in_source" in _codes(flags, "funds.expenditure_total")


def test_a_figure_copied_from_the_prompt_examples_is_a_fabrication() -> None:
    """The prompt's examples are invented; a value taken from them that the report does
    not print is `not_in_source`, as any fabrication, and never ends `ok`."""
    from jixiao.llm import load_prompts

    examples = load_prompts().system
    for copied in ("97531.08", "86420.19", "6402.37"):
        assert copied in examples
        text, fields, flags = _settle(
            SHIFENG_ARTS,
            {"funds_expenditure_total": {"value": f"{copied}万元", "quote": f"支出{copied}万元"}},
        )
        assert copied not in text
        field = fields["funds.expenditure_total"]
        assert not (field.status is FieldStatus.OK and field.value == Decimal(copied))
        assert "not_in_source" in _codes(flags, "funds.expenditure_total")


def test_a_printed_text_not_shaped_like_its_field_is_not_ok() -> None:
    """A sentence is no unit's name and a bare figure is no goal, even where the report
    prints them word for word."""
    text, _, _ = _settle(SHIFENG_ARTS)
    sentence = re.search(r"[\u4e00-\u9fff]{6,}，[\u4e00-\u9fff]{4,}", text).group(0)
    figure = re.search(r"\d+(?:\.\d+)?万元", text).group(0)
    _, fields, flags = _settle(
        SHIFENG_ARTS,
        {
            "unit_name": {"value": sentence, "quote": sentence},
            "goals_expected": {"value": figure, "quote": figure},
        },
    )
    assert fields["unit_name"].status is not FieldStatus.OK or fields["unit_name"].value != sentence
    assert fields["goals.expected"].status is not FieldStatus.OK
    assert "weak_label" in _codes(flags, "goals.expected")
