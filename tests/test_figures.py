from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jixiao.figures import (
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


def test_bare_wan_is_money_only_where_the_clause_ends() -> None:
    from jixiao.figures import parse_figure

    spent = parse_figure("专项资金已支出7.83万，未支付资金")
    assert spent is not None and spent.is_money and spent.in_wanyuan() == Decimal("7.83")
    total = parse_figure("收入總計615.2萬")
    assert total is not None and total.in_wanyuan() == Decimal("615.2")
    for counted in ("12万人次", "4万亩", "3万的村"):
        figure = parse_figure(counted)
        assert figure is not None and not figure.is_money, counted
