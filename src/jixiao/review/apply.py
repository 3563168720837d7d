"""Apply: an extracted report + the decisions in force -> the report as reviewed.

In: a report document (`load_report`) and the latest decision per field path
(`DecisionStore.latest`), or an output folder to list its reports.
Out: a reviewed copy (decided fields `status: reviewed` with the decision beside them,
items marked or removed), the reports of a folder by name, a reviewer's value typed.
Nothing here writes.
"""

from __future__ import annotations

import copy
import logging
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from jixiao.catalog import Catalog, FieldKind, load_catalog
from jixiao.core import FieldStatus
from jixiao.output import RUN_SUMMARY_NAME, flatten_report
from jixiao.review.decisions import Action, Decision

logger = logging.getLogger(__name__)

_ITEM_PATH = re.compile(r"^(?P<list>[a-z_]+)\[(?P<index>\d+)\](?:\.(?P<key>[a-z_0-9]+))?$")


def list_reports(out_dir: Path) -> dict[str, Path]:
    """Report outputs under `out_dir` by name (their path relative to it, no suffix)."""
    found: dict[str, Path] = {}
    for path in sorted(out_dir.rglob("*.json")):
        if path.name == RUN_SUMMARY_NAME or path.name.startswith("."):
            continue
        name = path.relative_to(out_dir).with_suffix("").as_posix()
        if (out_dir / f"{name}.normalized.txt").exists():
            found[name] = path
    return found


def typed(catalog: Catalog, path: str, value: Any) -> Any:
    """A reviewer's value as the field's type (exact decimals for figures)."""
    if value is None or value == "":
        return None
    try:
        spec = catalog.field(path)
    except KeyError:
        return value
    if spec.kind in (FieldKind.COUNT, FieldKind.YEAR):
        return int(Decimal(str(value)))
    if spec.numeric:
        return Decimal(str(value))
    return str(value)


def apply_decisions(
    document: dict[str, Any], decisions: dict[str, Decision], catalog: Catalog | None = None
) -> dict[str, Any]:
    """A copy of the report with every decision in force applied."""
    catalog = catalog or load_catalog()
    reviewed = copy.deepcopy(document)
    fields = flatten_report(reviewed["report"])
    removed: dict[str, set[int]] = {}
    for path, decision in sorted(decisions.items()):
        note = {
            "action": decision.action.value,
            "reason": decision.reason,
            "reviewer": decision.reviewer,
            "time": decision.time,
            "old_value": decision.old_value,
        }
        item = _ITEM_PATH.match(path)
        if item is not None:
            items = (fields.get(item["list"]) or {}).get("value") or []
            index = int(item["index"])
            if index >= len(items):
                continue
            if decision.action is Action.NOT_IN_REPORT and not item["key"]:
                removed.setdefault(item["list"], set()).add(index)
            elif item["key"]:
                items[index][item["key"]] = _item_value(decision.new_value)
            items[index]["review"] = note
            continue
        field = fields.get(path)
        if field is None:
            continue
        if decision.action is Action.NOT_IN_REPORT:
            field["value"], field["evidence"] = None, []
        elif decision.action is Action.EDIT:
            field["value"] = typed(catalog, path, decision.new_value)
            field["evidence"] = decision.evidence or []
        field["status"] = FieldStatus.REVIEWED.value
        field["review"] = note
    for list_path, indexes in removed.items():
        field = fields[list_path]
        field["value"] = [i for n, i in enumerate(field["value"]) if n not in indexes] or None
    return reviewed


def _item_value(value: Any) -> Any:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except ArithmeticError:
        return value
