from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jixiao.numbers import (
    format_decimal,
    parse_figure,
    parse_money,
    parse_percent,
    to_wanyuan,
)


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("80.25万元", "80.25", "万元"),
        ("项目支出10.15万元", "10.15", "万元"),
        ("1,234,567.89元", "1234567.89", "元"),
        ("１２．５万元", "12.5", "万元"),
        ("100%", "100", "%"),
        ("100％", "100", "%"),
        ("4人", "4", "人"),
        ("9场", "9", "场"),
        ("3.00", "3.00", None),
    ],
)
def test_parse_figure_reads_value_and_unit(text: str, value: str, unit: str | None) -> None:
    figure = parse_figure(text)
    assert figure is not None
    assert figure.value == Decimal(value)
    assert figure.unit == unit


@pytest.mark.parametrize(
    ("text", "comparator", "qualifier"),
    [
        ("≥5场", ">=", None),
        (">3500人", ">", None),
        ("2200余条", None, "余"),
        ("近200万", None, "近"),
        ("不少于10次", ">=", None),
        ("50个以上", None, "以上"),
    ],
)
def test_parse_figure_keeps_comparators_and_qualifiers(
    text: str, comparator: str | None, qualifier: str | None
) -> None:
    figure = parse_figure(text)
    assert figure is not None
    assert figure.comparator == comparator
    assert figure.qualifier == qualifier


def test_money_converts_to_wanyuan_exactly() -> None:
    assert parse_money("802500元") == Decimal("80.25")
    assert parse_money("1.5亿元") == Decimal("15000")
    assert parse_money("3千元") == Decimal("0.3")
    assert parse_money("80.25") == Decimal("80.25")  # bare numbers are taken in 万元
    assert parse_money("0.01万元") + parse_money("0.02万元") == Decimal("0.03")


def test_no_figure_gives_none() -> None:
    assert parse_figure("无") is None
    assert parse_figure(None) is None
    assert parse_money("提升") is None
    assert parse_percent("全年") is None


money = st.decimals(
    min_value=Decimal("0"), max_value=Decimal("99999999.99"), places=2, allow_nan=False
)


def _with_thousands(value: Decimal) -> str:
    integral, _, fraction = format_decimal(value).partition(".")
    grouped = f"{int(integral):,}"
    return grouped + (f".{fraction}" if fraction else "")


def _full_width(text: str) -> str:
    return text.translate(str.maketrans("0123456789.,", "０１２３４５６７８９．，"))


@given(
    money,
    st.sampled_from(["万元", "元", "亿元", "千元"]),
    st.sampled_from(["plain", "thousands", "fullwidth", "spaced"]),
)
def test_format_then_parse_round_trips(value: Decimal, unit: str, style: str) -> None:
    if style == "plain":
        text = format_decimal(value) + unit
    elif style == "thousands":
        text = _with_thousands(value) + unit
    elif style == "fullwidth":
        text = _full_width(format_decimal(value)) + unit
    else:
        text = format_decimal(value) + " " + unit
    figure = parse_figure(f"合计{text}。")
    assert figure is not None
    assert figure.value == value
    assert figure.unit == unit
    assert parse_money(text) == to_wanyuan(value, unit)


@given(st.decimals(min_value=0, max_value=100, places=2, allow_nan=False))
def test_percent_round_trips(value: Decimal) -> None:
    assert parse_percent(f"执行率{format_decimal(value)}%") == value


# --- the number index ----------------------------------------------------------------

from jixiao.core import BlockKind, NormalizedText  # noqa: E402
from jixiao.normalize import normalize_text  # noqa: E402
from jixiao.numbers import index_numbers  # noqa: E402
from jixiao.segment import segment  # noqa: E402


def _index(raw: str):
    text = normalize_text(raw)
    tables = [b for b in segment(NormalizedText(text=text)) if b.kind is BlockKind.TABLE]
    return text, index_numbers(text, tables)


def test_prose_labels_are_the_words_before_the_figure_in_its_clause() -> None:
    text, entries = _index(
        "3.2024年度单位一般公共预算财政拨款支出80.25万元其中：项目支出10.15万元，基本支出70.1万元。\n"
    )
    money = [e for e in entries if e.kind == "money"]
    assert [(e.label, e.wanyuan) for e in money] == [
        ("2024年度单位一般公共预算财政拨款支出", Decimal("80.25")),
        ("项目支出", Decimal("10.15")),
        ("基本支出", Decimal("70.1")),
    ]
    for entry in entries:
        assert text[entry.start : entry.end] == entry.text
    # the list marker "3." glued to the year is not a figure
    assert [e.text for e in entries if e.kind == "year"] == ["2024年"]
    assert not [e for e in entries if e.value == Decimal("3.2024")]


def test_a_figure_after_a_colon_takes_the_words_before_the_colon() -> None:
    _, entries = _index("其中：一般公共预算：598.25万元；政府性基金拨款：16万元\n")
    assert [(e.label, e.wanyuan) for e in entries] == [
        ("一般公共预算", Decimal("598.25")),
        ("政府性基金拨款", Decimal("16")),
    ]


def test_table_cells_get_row_and_column_headers_and_the_table_unit() -> None:
    raw = (
        "（单位：元）\n"
        "\t项目\n\t年初预算数\n\t全年执行数\n\t执行率\n\n"
        "\t合计\n\t1,250,000.00\n\t1,287,000.00\n\t99%\n"
    )
    _, entries = _index(raw)
    cells = [(e.row_label, e.column_label, e.kind, e.wanyuan or e.value) for e in entries]
    assert cells == [
        ("合计", "年初预算数", "money", Decimal("125")),
        ("合计", "全年执行数", "money", Decimal("128.7")),
        ("合计", "执行率", "percent", Decimal("99")),
    ]


def test_score_columns_do_not_take_the_money_unit() -> None:
    raw = "\t年度预算（万元）\n\t年初预算数\n\t分值\n\t得分\n\n\t年度资金总额\n\t69.89\n\t10\n\t9\n"
    _, entries = _index(raw)
    kinds = {e.column_label: e.kind for e in entries}
    assert kinds == {"年初预算数": "money", "分值": "plain", "得分": "plain"}


def test_dates_phones_years_and_counts_are_told_apart() -> None:
    _, entries = _index(
        "填报日期：2025.10.10  联系电话：28580500\n截止2024年12月，共有人员18人，开展活动50余场，≥5场。\n"
    )
    described = [(e.text, e.kind) for e in entries]
    assert ("2025.10.10", "date") in described
    assert ("28580500", "plain") in described
    assert ("2024年12月", "date") in described
    assert ("18人", "count") in described
    qualified = next(e for e in entries if e.text == "50余场")
    assert qualified.qualifier == "余"
    at_least = next(e for e in entries if e.text == "≥5场")
    assert at_least.comparator == ">="


def test_figures_with_spaces_inside() -> None:
    _, entries = _index("收入合计1 234.56万元，支出80. 25万元。\n")
    assert [e.wanyuan for e in entries] == [Decimal("1234.56"), Decimal("80.25")]
