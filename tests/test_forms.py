"""The national self-evaluation forms' funds row, however flattened (jixiao.forms).

Every report here is made up for these tests: a unit that does not exist, figures chosen
so that the form's arithmetic (执行数 ÷ 预算数 × 100 = 执行率) holds or, for the look-alikes,
does not.
"""

from decimal import Decimal
from pathlib import Path

from jixiao.catalog import load_catalog
from jixiao.core import FieldStatus
from jixiao.forms import read_forms
from jixiao.normalize import normalize_text
from jixiao.pipeline import prepare, settle_report
from jixiao.settings import Settings

TITLE = "某某县青柳镇文化站2031年度项目支出绩效自评表\n项目名称：乡村书屋运行经费\n"
FUNDS = ("funds.budget_initial", "funds.budget_full_year", "funds.expenditure_total")


def _rules_only(tmp_path: Path, text: str) -> dict:
    path = tmp_path / "form.txt"
    path.write_text(text, encoding="utf-8")
    catalog = load_catalog()
    prepared = prepare(path, Settings(), catalog)
    fields, _ = settle_report(catalog, prepared, [])
    return fields


def _state(fields: dict, path: str) -> tuple:
    field = fields[path]
    return (field.value, field.status)


def _ok(value: str) -> tuple:
    return (Decimal(value), FieldStatus.OK)


def test_one_cell_per_paragraph(tmp_path: Path) -> None:
    form = (
        "项目资金\n(万元)\n\n年初预算数\n\n全年预算数(A)\n\n全年执行数(B)\n\n分值\n\n执行率(B/A)\n\n得分\n\n"
        "年度资金总额:\n\n58.6\n\n61.2\n\n57.42\n\n10\n\n93.82%\n\n9\n\n"
        "其中:本年财政拨款\n\n50.6\n\n53.2\n\n49.42\n\n-\n\n92.89%\n\n-\n"
    )
    fields = _rules_only(tmp_path, TITLE + form)
    assert _state(fields, "funds.budget_initial") == _ok("58.6")
    assert _state(fields, "funds.budget_full_year") == _ok("61.2")
    assert _state(fields, "funds.expenditure_total") == _ok("57.42")
    assert _state(fields, "funds.execution_rate") == _ok("93.82")


def test_one_cell_per_line_ending_in_a_pipe_keeps_repeated_cells(tmp_path: Path) -> None:
    # "36.5 |" stands three times: a table cell, not a running head to delete.
    form = (
        "项目资金 |\n|\n全年预算数 |\n全年执行数 |\n预算执行率 |\n|||\n"
        "年度资金总额: |\n36.5 |\n36.5 |\n100% |\n|||\n其中:县级财政资金 |\n36.5 |\n36.5 |\n100% |\n"
        "其他资金 |\n|\n|\n|\n||||\n附注 |\n36.5 |\n"
    )
    fields = _rules_only(tmp_path, TITLE + form)
    assert _state(fields, "funds.budget_full_year") == _ok("36.5")
    assert _state(fields, "funds.expenditure_total") == _ok("36.5")
    assert _state(fields, "funds.execution_rate") == _ok("100")
    assert normalize_text(form).count("36.5 |") == 5


def test_space_separated_row_and_its_parts(tmp_path: Path) -> None:
    form = (
        "项目资金(万元) 全年预算数(A) 全年执行数(B) 执行率(B/A)\n"
        "年度资金总额: 1517.34 1480.2 97.55%\n"
        " 其中:中央补助 417.34 417.34 100%\n"
        "       地方资金 1100 1062.86 96.62%\n"
    )
    fields = _rules_only(tmp_path, TITLE + form)
    assert _state(fields, "funds.budget_full_year") == _ok("1517.34")
    assert _state(fields, "funds.expenditure_total") == _ok("1480.2")
    assert _state(fields, "funds.execution_rate") == _ok("97.55")


def test_header_without_stub_cell_and_a_formula_in_the_header(tmp_path: Path) -> None:
    # The header row has no stub cell, so a column-by-column reading is off by one; the
    # "100%" of the formula (B/A×100%) is not a rate.
    form = (
        "资金投入情况 (万元) |\n"
        "全年预算数(A) | 全年执行数(B) | 预算执行率(B/A×100%) | ||||\n"
        "年度资金总额: | 642.5 | 571.83 | 89% | ||||\n"
        "其中:中央财政资金 | 642.5 | 571.83 | 89% | ||||\n"
    )
    fields = _rules_only(tmp_path, TITLE + form)
    assert _state(fields, "funds.budget_full_year") == _ok("642.5")
    assert _state(fields, "funds.expenditure_total") == _ok("571.83")
    assert _state(fields, "funds.execution_rate") == _ok("89")


def test_glued_cells_are_split_where_the_arithmetic_confirms_one_split(tmp_path: Path) -> None:
    form = (
        "项目资金(万元)全年预算数(A)全年执行数(B)分值执行率(B/A)得分"
        "年度资金总额:73.573.510100.00%10其中:本年财政拨款73.573.5其他资金\n"
    )
    fields = _rules_only(tmp_path, TITLE + form)
    assert _state(fields, "funds.budget_full_year") == _ok("73.5")
    assert _state(fields, "funds.expenditure_total") == _ok("73.5")
    assert _state(fields, "funds.execution_rate") == _ok("100")
    text = normalize_text(TITLE + form)
    (row,) = read_forms(text)
    assert row.glued
    assert [text[c.start : c.end] for c in row.cells] == ["73.5", "73.5", "10", "100.00%", "10"]


def test_an_ambiguous_glued_split_is_never_ok(tmp_path: Path) -> None:
    # 3512.2|63512.2|63512.26 passes the arithmetic as well as 3512.26|3512.26|3512.26,
    # and nothing else in the report tells them apart.
    form = (
        "年度预算申请(万元)年初预算数全年预算数全年执行数分值执行率得分"
        "年度资金总额3512.263512.263512.2610100%10年度总体目标\n"
    )
    fields = _rules_only(tmp_path, TITLE + form)
    for path in (*FUNDS, "funds.execution_rate"):
        assert fields[path].status is not FieldStatus.OK, path


def test_a_rate_the_arithmetic_contradicts_is_never_ok(tmp_path: Path) -> None:
    form = "年初预算数 | 全年预算数 | 全年执行数 | 执行率 |\n年度资金总额 | 80 | 80 | 60 | 100% |\n"
    fields = _rules_only(tmp_path, TITLE + form)
    for path in (*FUNDS, "funds.execution_rate"):
        assert fields[path].status is not FieldStatus.OK, path


def test_a_zero_total_row_and_its_parts_give_no_ok_total(tmp_path: Path) -> None:
    # A template left the total row at zero; the 其中 row is a part, not the total.
    form = (
        "项目资金 (万元) 年初预算数 全年预算数 全年执行数 分值 执行率 得分 "
        "年度资金总额: 0 0 0 10 0 0 其中:本年财政拨款 86.25 71.4 71.4 上年结转资金\n"
    )
    fields = _rules_only(tmp_path, TITLE + form)
    for path in (*FUNDS, "funds.execution_rate"):
        assert fields[path].status is not FieldStatus.OK, path
        assert fields[path].value not in (Decimal("86.25"), Decimal("71.4")), path


def test_missing_leading_cells_confirm_the_rate_but_not_the_money(tmp_path: Path) -> None:
    form = (
        "| 项目资金 (元) |\n"
        "| 年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分 | 年度资金总额 |\n"
        "| 256318.4 | 256318.4 | 10 | 100% | 10 | 其中:当年财政 拨款 |\n"
    )
    fields = _rules_only(tmp_path, TITLE + form)
    assert _state(fields, "funds.execution_rate") == _ok("100")
    for path in FUNDS:
        assert fields[path].status is not FieldStatus.OK, path


def test_traditional_headers_with_pinyin_glosses() -> None:
    text = normalize_text(
        "| 項(xiàng)目資金 (萬元) | 年初預(yù)算數(shù) | 全年預(yù)算數(shù) | 全年執(zhí)行數(shù) |"
        " 分值 | 執(zhí)行率 | 得分 |\n| 年度資金總額 | 4.82 | 4.82 | 4.82 | 10.00 | 100% | 10.00 |\n"
    )
    (row,) = read_forms(text)
    assert [(c.label, c.value, c.confirmed) for c in row.cells] == [
        ("年初预算数", Decimal("4.82"), True),
        ("全年预算数", Decimal("4.82"), True),
        ("全年执行数", Decimal("4.82"), True),
        ("分值", Decimal("10.00"), True),
        ("执行率", Decimal("100"), True),
        ("得分", Decimal("10.00"), True),
    ]


def test_rate_printed_without_percent_in_a_bare_budget_column(tmp_path: Path) -> None:
    # 预算数(A) alone does not say which budget: its figure is no budget field.
    form = (
        "预算执行情况(万元)\n\n预算数(A)\n\n执行数(B)\n\n执行率(B/A)\n\n得分\n\n(20分*执行率)\n\n"
        "年度财政资金总额\n\n64\n\n48\n\n75\n\n15\n\n年度绩效目标\n"
    )
    fields = _rules_only(tmp_path, TITLE + form)
    assert _state(fields, "funds.expenditure_total") == _ok("48")
    assert _state(fields, "funds.execution_rate") == _ok("75")
    assert fields["funds.budget_full_year"].status is FieldStatus.MISSING
    assert fields["funds.budget_initial"].status is FieldStatus.MISSING
