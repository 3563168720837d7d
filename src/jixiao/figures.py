"""Figures: figure strings -> exact decimals with units.

In: a figure as a report or a model writes it ("80.25万元", "1,234.5 元", "≥5场",
"100%", "２２００余条", "3.00").
Out: a `Figure` (exact `Decimal`, unit, comparator, qualifier), and money converted to
万元. No floats anywhere: every value goes through `Decimal` from its digits.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from jixiao.patterns import FOLD

logger = logging.getLogger(__name__)

# Unit table: how many 万元 one unit is.
MONEY_UNITS_IN_WANYUAN: dict[str, Decimal] = {
    "万元": Decimal(1),
    "萬元": Decimal(1),
    "万": Decimal(1),  # bare 万 only before punctuation or the end (see _BARE_WAN_END)
    "萬": Decimal(1),
    "元": Decimal("0.0001"),
    "千元": Decimal("0.1"),
    "百万元": Decimal(100),
    "亿元": Decimal(10000),
}
COUNT_UNITS = (
    "人次",
    "余人",
    "人",
    "场次",
    "场",
    "次",
    "件",
    "幅",
    "起",
    "篇",
    "个",
    "条",
    "项",
    "家",
    "所",
    "期",
    "份",
    "户",
    "名",
    "首",
    "部",
    "天",
    "年",
)
PERCENT_UNITS = ("%", "％", "个百分点")
SCORE_UNITS = ("分",)
COMPARATORS = {
    "≥": ">=",
    ">=": ">=",
    "＞": ">",
    ">": ">",
    "≤": "<=",
    "<=": "<=",
    "＜": "<",
    "<": "<",
    "不低于": ">=",
    "不少于": ">=",
    "不高于": "<=",
    "不超过": "<=",
    "大于": ">",
    "小于": "<",
    "超过": ">",
    "达到": ">=",
}
QUALIFIERS = ("余", "多", "近", "约", "左右", "以上", "以下")

# 万 alone is money only where the clause ends after it ("已支出5.56万，", "收入總計N萬"):
# before a word it counts something else (5万人次, 3万方土, 145万公顷, 3万的村).
_BARE_WAN = ("万", "萬")
_BARE_WAN_END = r"(?![^\s,，。；;、)）|:：])"


def _unit_pattern(unit: str) -> str:
    return re.escape(unit) + (_BARE_WAN_END if unit in _BARE_WAN else "")


UNITS_PATTERN = "|".join(
    _unit_pattern(unit)
    for unit in sorted(
        [*MONEY_UNITS_IN_WANYUAN, *COUNT_UNITS, *PERCENT_UNITS, *SCORE_UNITS],
        key=len,
        reverse=True,
    )
)
_COMPARATOR_PATTERN = "|".join(re.escape(c) for c in sorted(COMPARATORS, key=len, reverse=True))
FIGURE_RE = re.compile(
    rf"(?P<cmp>{_COMPARATOR_PATTERN})?[ \u3000]*"
    rf"(?P<pre>近|约)?[ \u3000]*"
    r"(?P<sign>[-+])?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:[ \u3000]*(?P<post>余|多))?"
    rf"(?:[ \u3000]*(?P<unit>{UNITS_PATTERN}))?"
)


@dataclass(frozen=True, slots=True)
class Figure:
    """A figure as written: exact value, unit, comparator, qualifier."""

    value: Decimal
    unit: str | None = None
    comparator: str | None = None  # ">=", ">", "<=", "<"
    qualifier: str | None = None  # 余 / 多 / 近 / 约: the figure is approximate
    text: str = ""

    @property
    def is_money(self) -> bool:
        return self.unit in MONEY_UNITS_IN_WANYUAN

    @property
    def is_percent(self) -> bool:
        return self.unit in PERCENT_UNITS

    def in_wanyuan(self) -> Decimal | None:
        if not self.is_money:
            return None
        return to_wanyuan(self.value, self.unit or "万元")


def to_wanyuan(value: Decimal, unit: str) -> Decimal:
    factor = MONEY_UNITS_IN_WANYUAN[unit]
    return strip_zeros(value * factor)


def strip_zeros(value: Decimal) -> Decimal:
    """80.250 -> 80.25, 100.00 -> 100 (same value, canonical digits)."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def parse_decimal(digits: str) -> Decimal | None:
    cleaned = digits.translate(FOLD).replace(",", "").replace(" ", "")
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        return None


def parse_figure(text: str | int | Decimal | None) -> Figure | None:
    """The first figure in `text`, or None when there is none.

    Accepts what models and reports write: "80.25万元", "80.25", "≥100场", "100%",
    "1,234.50元", "近200万", "2200余条". Integers and Decimals pass through.
    """
    if text is None or isinstance(text, bool):
        return None
    if isinstance(text, int | Decimal):
        return Figure(value=Decimal(text), text=str(text))
    if isinstance(text, float):
        return Figure(value=Decimal(repr(text)), text=repr(text))
    source = str(text).translate(FOLD)
    match = FIGURE_RE.search(source)
    if match is None:
        return None
    value = parse_decimal(match["num"])
    if value is None:
        return None
    if match["sign"] == "-":
        value = -value
    unit = match["unit"]
    if unit == "％":
        unit = "%"
    qualifier = match["pre"] or match["post"]
    if qualifier is None:
        tail = source[match.end() : match.end() + 2]
        qualifier = next((q for q in ("左右", "以上", "以下") if tail.startswith(q)), None)
    comparator = COMPARATORS.get(match["cmp"]) if match["cmp"] else None
    return Figure(
        value=value,
        unit=unit,
        comparator=comparator,
        qualifier=qualifier,
        text=match.group(0).strip(),
    )


def parse_money(text: str | int | Decimal | None, default_unit: str = "万元") -> Decimal | None:
    """A money figure in 万元; a bare number is taken in `default_unit`."""
    figure = parse_figure(text)
    if figure is None:
        return None
    unit = figure.unit if figure.is_money and figure.unit else default_unit
    return to_wanyuan(figure.value, unit)


def parse_percent(text: str | int | Decimal | None) -> Decimal | None:
    figure = parse_figure(text)
    return None if figure is None else strip_zeros(figure.value)


def format_decimal(value: Decimal) -> str:
    """Plain positional digits, never scientific notation."""
    return format(strip_zeros(value), "f")
