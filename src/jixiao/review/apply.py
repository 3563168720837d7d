"""Apply: an extracted report + the decisions in force -> the report as reviewed.

In: a report document (`load_report`) and the decision in force per field path
(`DecisionStore.latest`), or an output folder to list its reports.
Out: a reviewed copy — decided scalar fields `status: reviewed` with the decision beside
them (`review`); list rows accepted, edited, deleted or added; a list `reviewed` once the
whole list was decided or every flagged row of it was — the reports of a folder by name,
the fields still open, a reviewer's value typed. Nothing here writes.
"""

from __future__ import annotations

import copy
import logging
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from jixiao.catalog import Catalog, FieldKind, load_catalog
from jixiao.core import LIST_ITEM_TYPES, FieldStatus
from jixiao.output import RUN_SUMMARY_NAME, flatten_report
from jixiao.review.decisions import Action, Decision

logger = logging.getLogger(__name__)

ROW_PATH = re.compile(
    r"^(?P<list>[a-z_]+)\[(?P<added>\+)?(?P<index>\d+)\](?:\.(?P<key>[a-z_0-9]+))?$"
)


# Each row of a reviewed list names its decision path here (`projects[0]`, `projects[+1]`),
# so a page can address it after rows were deleted or added; `strip_rows` removes it.
ROW_KEY = "row"


def strip_rows(reviewed: dict[str, Any]) -> dict[str, Any]:
    """The reviewed report without the row paths (for files written out); in place."""
    for field in flatten_report(reviewed["report"]).values():
        if isinstance(field["value"], list):
            for item in field["value"]:
                if isinstance(item, dict):
                    item.pop(ROW_KEY, None)
    return reviewed


def _leaves(out_dir: Path, path: Path) -> bool:
    """Whether a path found under `out_dir` is, or passes through, a symbolic link: what
    it names may lie anywhere on the machine, so the server never reads it."""
    current = path
    while current != out_dir and current != current.parent:
        if current.is_symlink():
            return True
        current = current.parent
    return False


def list_reports(out_dir: Path) -> dict[str, Path]:
    """Report outputs under `out_dir` by name (their path relative to it, no suffix)."""
    found: dict[str, Path] = {}
    for path in sorted(out_dir.rglob("*.json")):
        parts = path.relative_to(out_dir).parts
        if path.name == RUN_SUMMARY_NAME or "export" in parts[:-1]:
            continue
        if any(part.startswith(".") for part in parts[:-1]):
            continue  # a hidden folder (a cache); a hidden file is a report like any other
        if _leaves(out_dir, path):
            logger.warning("not served: %s is a link out of %s", path, out_dir)
            continue
        name = path.relative_to(out_dir).with_suffix("").as_posix()
        text = out_dir / f"{name}.normalized.txt"
        if text.exists() and not text.is_symlink():
            found[name] = path
    return found


def typed(catalog: Catalog, path: str, value: Any) -> Any:
    """A reviewer's value as the field's type (exact decimals for figures); raises
    `InvalidOperation`/`ValueError` for a figure that is not a number."""
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


def typed_row(list_path: str, values: dict[str, Any]) -> dict[str, Any]:
    """A row as the reviewer gave it -> the item's own attributes, figures as exact
    decimals, empty cells as None; raises `InvalidOperation` for a figure that is not one."""
    item_type = LIST_ITEM_TYPES[list_path]
    row: dict[str, Any] = {}
    for key in item_type.columns():
        value = values.get(key)
        if isinstance(value, str):
            value = value.strip()
        if value in (None, ""):
            row[key] = None
        elif key in item_type.FIGURES:
            row[key] = Decimal(str(value).replace(",", ""))
        else:
            row[key] = str(value)
    return row


def _note(decision: Decision) -> dict[str, Any]:
    return {
        "action": decision.action.value,
        "reason": decision.reason,
        "reviewer": decision.reviewer,
        "time": decision.time,
        "old_value": decision.old_value,
    }


def apply_decisions(
    document: dict[str, Any], decisions: dict[str, Decision], catalog: Catalog | None = None
) -> dict[str, Any]:
    """A copy of the report with every decision in force applied."""
    catalog = catalog or load_catalog()
    reviewed = copy.deepcopy(document)
    fields = flatten_report(reviewed["report"])
    rows: dict[str, dict[str, Decision]] = {}
    for path, decision in sorted(decisions.items()):
        row = ROW_PATH.match(path)
        if row is not None:
            rows.setdefault(row["list"], {})[path] = decision
            continue
        field = fields.get(path)
        if field is None:
            logger.warning("decision on unknown field %s ignored", path)
            continue
        if decision.action is Action.NOT_IN_REPORT:
            field["value"], field["evidence"] = None, []
        elif decision.action is Action.EDIT:
            field["value"] = typed(catalog, path, decision.new_value)
            field["evidence"] = decision.evidence or []
        elif decision.action is Action.ACCEPT and decision.evidence:
            field["evidence"] = decision.evidence
        field["status"] = FieldStatus.REVIEWED.value
        field["review"] = _note(decision)
    for list_path in LIST_ITEM_TYPES:
        field, whole = fields.get(list_path), decisions.get(list_path)
        if field is None:
            continue
        if whole is not None and whole.action is Action.NOT_IN_REPORT:
            continue  # the whole list is not in the report: its rows are moot
        flagged = {f["field"] for f in document["flags"] if f["field"].startswith(list_path + "[")}
        _apply_rows(field, list_path, rows.get(list_path, {}), whole is not None, flagged)
    return reviewed


def _apply_rows(
    field: dict[str, Any],
    list_path: str,
    decided: dict[str, Decision],
    whole: bool,
    flagged: set[str],
) -> None:
    """Row decisions on one list field (extracted rows by index, added rows by +n);
    `flagged` are the row paths the report's flags name (a check's flag on a row is not
    always among the row's own flag codes)."""
    items: list[dict[str, Any]] = list(field["value"] or [])
    for index, item in enumerate(items):
        item[ROW_KEY] = f"{list_path}[{index}]"
    removed: set[int] = set()
    added: list[tuple[int, dict[str, Any]]] = []
    for path, decision in decided.items():
        row = ROW_PATH.match(path)
        assert row is not None
        index = int(row["index"])
        if row["added"]:
            if decision.action in (Action.ADD, Action.EDIT) and decision.new_value:
                item = typed_row(list_path, decision.new_value)
                item.update(evidence=decision.evidence or [], flags=[], review=_note(decision))
                item[ROW_KEY] = path
                added.append((index, item))
            continue
        if index >= len(items):
            logger.warning("decision on %s: the list has %d rows", path, len(items))
            continue
        item = items[index]
        if decision.action is Action.NOT_IN_REPORT and not row["key"]:
            removed.add(index)
        elif row["key"]:  # one cell (decisions made before rows were edited whole)
            try:
                item[row["key"]] = typed_row(list_path, {row["key"]: decision.new_value})[
                    row["key"]
                ]
            except InvalidOperation:
                item[row["key"]] = decision.new_value
        elif decision.action is Action.EDIT and isinstance(decision.new_value, dict):
            item.update(typed_row(list_path, decision.new_value))
            if decision.evidence:
                item["evidence"] = decision.evidence
        item["review"] = _note(decision)
    kept = [item for n, item in enumerate(items) if n not in removed]
    kept += [item for _, item in sorted(added, key=lambda pair: pair[0])]
    open_rows = [
        item
        for item in kept
        if (item.get("flags") or item.get(ROW_KEY) in flagged) and "review" not in item
    ]
    field["value"] = kept or (None if removed or field["value"] is None else [])
    if not whole and (decided and not open_rows):
        field["status"] = FieldStatus.REVIEWED.value


def open_fields(reviewed: dict[str, Any]) -> list[str]:
    """Field paths of a reviewed report that are still flagged (undecided)."""
    return [
        path
        for path, field in flatten_report(reviewed["report"]).items()
        if field["status"] == FieldStatus.FLAGGED.value
    ]
