import re
from decimal import Decimal

from jixiao.catalog import load_catalog
from jixiao.checks import load_checks, run_checks
from jixiao.core import LIST_ITEM_TYPES, ReportField


def _fields(**values) -> dict[str, ReportField]:
    catalog = load_catalog()
    fields = {path: ReportField() for path in catalog.all_paths}
    for key, value in values.items():
        if key in LIST_ITEM_TYPES:
            value = [LIST_ITEM_TYPES[key].model_validate(item) for item in value]
        fields[key.replace("__", ".")] = ReportField(value=value)
    return fields


def _run(fields, execution_score=None):
    return {f.code: f for f in run_checks(load_catalog(), fields, execution_score)}


def test_tolerance_is_stated_in_data() -> None:
    assert load_checks().tolerance_per_addend == Decimal("0.01")


def test_sums_hold_on_either_basis() -> None:
    fields = _fields(
        funds__basic=Decimal("260.65"),
        funds__project=Decimal("381.36"),
        funds__expenditure_total=Decimal("642.01"),
        funds__general_budget_expenditure=Decimal("598.25"),
    )
    assert "sum_basic_project" not in _run(fields)


def test_a_gap_names_terms_and_difference_and_grades_severity() -> None:
    small = _run(
        _fields(
            funds__personnel=Decimal("60.5"),
            funds__public=Decimal("9.61"),
            funds__basic=Decimal("70.1"),
        )
    )["sum_personnel_public"]
    assert small.severity == "warning"
    # Chinese, with the catalog's field names and units, never a field path
    assert small.message == (
        "基本支出 70.1 万元 ≠ 人员经费 + 公用经费 70.11 万元"
        "（差 0.01 万元，在容差 0.02 万元 以内，但不完全相等）："
        "人员经费 60.5 万元 + 公用经费 9.61 万元"
    )
    large = _run(
        _fields(
            funds__personnel=Decimal("60.5"),
            funds__public=Decimal("19.6"),
            funds__basic=Decimal("70.1"),
        )
    )["sum_personnel_public"]
    assert large.severity == "error" and "（差 10 万元，超出容差 0.02 万元）" in large.message


def test_projects_sum_and_balance() -> None:
    projects = [
        {
            "name": "甲",
            "budget_initial": Decimal(3),
            "adjustment": Decimal("1.22"),
            "actual": Decimal("4.22"),
            "carryover": Decimal(0),
            "flags": [],
        },
        {
            "name": "乙",
            "budget_initial": Decimal(0),
            "adjustment": Decimal(4),
            "actual": Decimal("4.10"),
            "carryover": Decimal(0),
            "flags": [],
        },
        {"name": "不在报告里", "actual": Decimal(99), "flags": ["not_in_source"]},
    ]
    flags = _run(_fields(projects=projects, funds__project=Decimal("8.23")))
    assert "8.32" in flags["sum_projects"].message  # the ungrounded item is left out
    assert flags["project_balance"].field == "projects[1]"


def test_a_project_missing_one_figure_is_flagged_unless_it_would_be_zero() -> None:
    missed = {
        "name": "文艺扶持",
        "budget_initial": None,
        "adjustment": Decimal("7.15"),
        "actual": Decimal("10.15"),
        "carryover": Decimal(0),
        "flags": [],
    }
    unsaid = {
        "name": "文联专项",
        "budget_initial": Decimal(3),
        "adjustment": Decimal("1.22"),
        "actual": Decimal("4.22"),
        "carryover": None,
        "flags": [],
    }
    flags = run_checks(load_catalog(), _fields(projects=[missed, unsaid]), None)
    incomplete = [f for f in flags if f.code == "project_incomplete"]
    assert [f.field for f in incomplete] == ["projects[0]"]
    assert "缺少年初预算" in incomplete[0].message and "应为 3 万元" in incomplete[0].message
    assert incomplete[0].severity == "warning"


def test_execution_rate_with_printed_precision() -> None:
    fine = _fields(
        funds__execution_rate=Decimal(99),
        funds__expenditure_total=Decimal("128.7"),
        funds__budget_full_year=Decimal(130),
    )
    assert "execution_rate" not in _run(fine)
    off = _fields(
        funds__execution_rate=Decimal("99.5"),
        funds__expenditure_total=Decimal("128.7"),
        funds__budget_full_year=Decimal(130),
    )
    assert "execution_rate" in _run(off)


def test_indicators_and_total_score() -> None:
    indicators = [
        {"name": "a", "weight": Decimal(40), "score": Decimal(38), "flags": []},
        {"name": "b", "weight": Decimal(50), "score": Decimal(51), "flags": []},
    ]
    flags = _run(_fields(indicators=indicators, score__total=Decimal(99)), Decimal(10))
    assert flags["indicator_score_over_weight"].field == "indicators[1]"
    assert "indicator_total" not in flags  # 38 + 51 + 10 = 99
    assert "indicator_total" in _run(_fields(indicators=indicators, score__total=Decimal(95)))


def test_sanity_ranges() -> None:
    flags = run_checks(
        load_catalog(),
        _fields(fiscal_year=1024, funds__basic=Decimal(-1), satisfaction__satisfied=Decimal(120)),
    )
    ranged = {(f.field, f.severity) for f in flags if f.code == "out_of_range"}
    assert ranged == {
        ("fiscal_year", "error"),
        ("funds.basic", "warning"),
        ("satisfaction.satisfied", "error"),
    }


def test_a_rate_over_100_is_not_flagged_when_spending_over_budget_gives_it() -> None:
    vouched = _fields(
        funds__execution_rate=Decimal("104.37"),
        funds__expenditure_total=Decimal("417.48"),
        funds__budget_full_year=Decimal(400),
    )
    assert _run(vouched) == {}
    # nothing to compute it from, or figures that give another rate: still flagged
    alone = _run(_fields(funds__execution_rate=Decimal("104.37")))
    assert alone["out_of_range"].field == "funds.execution_rate"
    wrong = _run(
        _fields(
            funds__execution_rate=Decimal("104.37"),
            funds__expenditure_total=Decimal("380"),
            funds__budget_full_year=Decimal(400),
        )
    )
    assert {"out_of_range", "execution_rate"} <= set(wrong)


def test_every_check_message_is_chinese_with_field_names_and_units() -> None:
    flags = run_checks(
        load_catalog(),
        _fields(
            funds__execution_rate=Decimal("95"),
            funds__expenditure_total=Decimal("80"),
            funds__budget_full_year=Decimal("100"),
            satisfaction__satisfied=Decimal("90"),
            satisfaction__basic=Decimal("5"),
            satisfaction__unsatisfied=Decimal("1"),
            staffing__actual=-1,
            score__total=Decimal("90"),
            indicators=[
                {"name": "活动场次", "weight": Decimal(10), "score": Decimal(12), "flags": []}
            ],
            projects=[
                {
                    "name": "示例项目",
                    "budget_initial": Decimal(5),
                    "adjustment": Decimal(0),
                    "actual": Decimal(4),
                    "carryover": Decimal(0),
                    "flags": [],
                }
            ],
        ),
        Decimal("2"),
    )
    by_code = {f.code: f.message for f in flags}
    assert by_code["execution_rate"] == (
        "预算执行率 95% ≠ 支出合计 80 万元 ÷ 全年预算数 100 万元 = 80.00%（容差 ±0.5%）"
    )
    assert by_code["sum_satisfaction"].startswith("满意度各项之和 96% ≠ 100%（差 4%")
    assert by_code["indicator_score_over_weight"] == "「活动场次」得分 12分 高于分值 10分"
    assert by_code["indicator_total"] == (
        "各指标得分之和 12分（另加预算执行得分 2分） ≠ 自评总分 90分"
    )
    assert by_code["project_balance"].startswith("「示例项目」年初预算 5 万元 + 调整 0 万元 ≠")
    assert by_code["out_of_range"] == "实有(在职)人数 -1人 超出合理范围 0人…∞"
    for text in by_code.values():
        assert not re.search(r"[A-Za-z]{2,}", text), text


def test_the_english_wording_stays_available() -> None:
    from jixiao.flags import message

    assert message("out_of_range", "en", name="x", value="1", bounds="0…2") == (
        "x = 1 is outside 0…2"
    )
    assert message("out_of_range", name="x", value="1", bounds="0…2") == "x 1 超出合理范围 0…2"
