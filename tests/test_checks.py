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
    assert (
        small.severity == "warning"
        and "0.01" in small.message
        and "funds.public=9.61" in small.message
    )
    large = _run(
        _fields(
            funds__personnel=Decimal("60.5"),
            funds__public=Decimal("19.6"),
            funds__basic=Decimal("70.1"),
        )
    )["sum_personnel_public"]
    assert large.severity == "error" and "10" in large.message


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
    assert "budget_initial" in incomplete[0].message and "3" in incomplete[0].message
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
