"""Display: report values, statuses, actions and flags -> the Chinese a reviewer reads.

In: the field catalog, the flag catalog, a value of a field or a list row, a flag.
Out: the one set of words the page and the export use — field and column names, status
and action words, report kinds (单位整体/项目), values with their units (万元, %, 人, 分),
flags as Chinese sentences (`jixiao.flags.describe` with field names filled in) and
stored times in local time. Nothing here reads files other than the two catalogs.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from functools import cache
from typing import Any

from jixiao.catalog import Catalog, FieldKind, load_catalog
from jixiao.core import LIST_ITEM_TYPES
from jixiao.flags import choice_words, describe, load_flags
from jixiao.review.decisions import DEFAULT_TIMEZONE, local_time

logger = logging.getLogger(__name__)

STATUS_WORDS = {
    "ok": "有依据",
    "flagged": "待审",
    "missing": "未填",
    "reviewed": "已审核",
}
ACTION_WORDS = {
    "accept": "接受",
    "edit": "修改",
    "not_in_report": "报告中没有",
    "add": "添加行",
    "undo": "撤销",
}
STATE_WORDS = {"done": "已完成", "open": "进行中", "new": "未开始"}
SEVERITY_WORDS = {"error": "错误", "warning": "警告"}
CHOICE_WORDS = choice_words()  # report_kind: unit -> 单位整体, project -> 项目 (flags.toml)
UNIT_OF_KIND = {
    FieldKind.MONEY: "万元",
    FieldKind.PERCENT: "%",
    FieldKind.COUNT: "人",
    FieldKind.SCORE: "分",
}


@cache
def field_names() -> dict[str, str]:
    """Field path, list path or row attribute -> its Chinese name."""
    catalog = load_catalog()
    names = {spec.path: spec.zh for spec in catalog.fields}
    names.update({spec.path: spec.zh for spec in catalog.lists})
    for item_type in LIST_ITEM_TYPES.values():
        for key, header in item_type.headers():
            names.setdefault(key, header.split("（")[0])
    return names


def field_name(path: str) -> str:
    """A field path (`funds.basic`, `projects`, `projects[2]`, `projects[+1]`) in Chinese."""
    names = field_names()
    if path in names:
        return names[path]
    base, _, rest = path.partition("[")
    if base in names and rest:
        index = rest.rstrip("]")
        row = f"新增第 {index[1:]} 行" if index.startswith("+") else f"第 {int(index) + 1} 行"
        return f"{names[base]} {row}"
    return "未知字段"


def _known_path(path: str) -> str | None:
    name = field_name(path)
    return None if name == "未知字段" else name


def plain_number(value: Decimal | int) -> str:
    """Exact digits, no exponent, no trailing zeros after the point."""
    if isinstance(value, int):
        return str(value)
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def show_value(path: str, value: Any, catalog: Catalog | None = None) -> str:
    """A scalar field's value as a reviewer reads it, with its unit; empty for None."""
    if value is None or value == "":
        return ""
    catalog = catalog or load_catalog()
    words = CHOICE_WORDS.get(path)
    if words and str(value) in words:
        return words[str(value)]
    try:
        kind = catalog.field(path).kind
    except KeyError:
        return str(value)
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        unit = UNIT_OF_KIND.get(kind, "")
        return f"{plain_number(value)}{' ' if unit == '万元' else ''}{unit}"
    return str(value)


def show_cell(key: str, value: Any) -> str:
    """A list row's cell as text (figures with exact digits; money columns are titled
    in 万元, so no unit here)."""
    if value is None:
        return ""
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return plain_number(value)
    return str(value)


def flag_reason(flag: dict[str, Any]) -> str:
    """One flag of a report as a Chinese sentence (no codes, no paths)."""
    return describe(
        flag,
        name_of=_known_path,
        value_of=lambda field, text: CHOICE_WORDS.get(field, {}).get(text, text),
    )


def flag_title(code: str) -> str:
    """A flag code's Chinese words (for filters and counts)."""
    spec = load_flags().get(code)
    return spec.zh if spec else "未知标记"


def when(stored: str, timezone: str = DEFAULT_TIMEZONE) -> str:
    return local_time(stored, timezone)
