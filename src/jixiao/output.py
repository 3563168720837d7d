"""Output: a `ReportResult` -> the JSON contract on disk, and the files beside it.

In: one report's result; for the number index, the rule context extraction built.
Out: `<name>.normalized.txt` and `<name>.json` (schema_version 1: source, report with
every field path present, flags sorted by severity, run record), both written
atomically, text first, so a JSON never points into a text that is not there. Decimals
are written as JSON numbers with their exact digits and read back with
`load_report` as `Decimal`. Beside them `<name>.index.jsonl`: the figures the number
index found and which of them fit each numeric field's labels, so review shows the
candidates extraction saw without running segment, the index or the rules again
(format in `index_lines`). The names of the batch files (`jixiao-run.json`,
`calls.jsonl`) live here too, so readers of an output folder need not import the
pipeline.
"""

from __future__ import annotations

import json
import logging
from decimal import Decimal
from pathlib import Path
from typing import Any

import simplejson
from pydantic import BaseModel, Field

from jixiao.core import Evidence, ListItem, ReportField, ReportResult
from jixiao.files import write_text_atomic

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 1
INDEX_SCHEMA_VERSION = 1
NORMALIZED_SUFFIX = ".normalized.txt"
INDEX_SUFFIX = ".index.jsonl"  # not .json: an output folder's *.json are the reports
RUN_SUMMARY_NAME = "jixiao-run.json"
CALL_LOG_NAME = "calls.jsonl"


def _json_number(value: Decimal) -> int | Decimal:
    """A decimal as written to JSON: a whole number as an int, else its own digits."""
    if value == value.to_integral_value():
        return int(value)
    return value


def plain_json(value: Any) -> Any:
    """Models, evidence and containers as JSON-ready data; decimals stay exact `Decimal`s
    (`dumps` writes their digits as JSON numbers, with no float in between)."""
    if isinstance(value, Decimal):
        return _json_number(value)
    if isinstance(value, Evidence | ListItem):
        return plain_json(value.model_dump())
    if isinstance(value, dict):
        return {key: plain_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain_json(item) for item in value]
    return value


def field_json(field: ReportField) -> dict[str, Any]:
    return {
        "value": plain_json(field.value),
        "status": field.status.value,
        "evidence": [e.model_dump() for e in field.evidence],
        "flags": list(field.flags),
    }


def nest(flat: dict[str, Any]) -> dict[str, Any]:
    """{"funds.basic": x} -> {"funds": {"basic": x}}"""
    nested: dict[str, Any] = {}
    for path, value in flat.items():
        node = nested
        *parents, leaf = path.split(".")
        for parent in parents:
            node = node.setdefault(parent, {})
        node[leaf] = value
    return nested


def report_json(result: ReportResult) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "source": result.source.model_dump(),
        "report": nest({path: field_json(field) for path, field in result.fields.items()}),
        "flags": [f.model_dump(mode="json") for f in result.flags],
        "run": result.run.model_dump(mode="json"),
    }


def dumps(document: Any, indent: int | None = 2) -> str:
    """JSON text; a `Decimal` is written as a number with exactly its digits (simplejson
    does this natively, where the standard library would need a float)."""
    text = simplejson.dumps(document, ensure_ascii=False, indent=indent, use_decimal=True)
    return text + "\n" if indent is not None else text


def output_paths(out_dir: Path, name: str) -> tuple[Path, Path]:
    return out_dir / f"{name}.json", out_dir / f"{name}{NORMALIZED_SUFFIX}"


def write_report(out_dir: Path, result: ReportResult) -> Path:
    json_path, text_path = output_paths(out_dir, result.name)
    logger.debug("writing %s", json_path)
    write_text_atomic(text_path, result.normalized_text)
    write_text_atomic(json_path, dumps(report_json(result)))
    return json_path


def load_report(path: Path) -> dict[str, Any]:
    """A written report, numbers as exact `Decimal` (ints stay ints)."""
    return json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)


def flatten_report(report: dict[str, Any], prefix: str = "") -> dict[str, dict[str, Any]]:
    """{"funds": {"basic": Field}} -> {"funds.basic": Field}"""
    flat: dict[str, dict[str, Any]] = {}
    for key, node in report.items():
        path = f"{prefix}{key}"
        if isinstance(node, dict) and "status" in node and "value" in node:
            flat[path] = node
        elif isinstance(node, dict):
            flat.update(flatten_report(node, path + "."))
    return flat


# --- the number index beside each report --------------------------------------------------


class IndexEntry(BaseModel):
    """One figure of the report as the number index read it."""

    value: str | None  # in the unit fields use (万元 for money), exact digits
    text: str
    kind: str
    label: str = ""
    row_label: str = ""
    column_label: str = ""
    start: int
    end: int


class SavedIndex(BaseModel):
    """A report's `<name>.index.jsonl` read back."""

    fiscal_year: int | None = None
    entries: list[IndexEntry] = Field(default_factory=list)
    fits: dict[str, list[int]] = Field(default_factory=dict)  # field path -> entry positions


def index_path(out_dir: Path, name: str) -> Path:
    return out_dir / f"{name}{INDEX_SUFFIX}"


def write_index(out_dir: Path, name: str, lines: list[dict[str, Any]]) -> Path:
    """Write a report's saved number index (see `pipeline.index_lines` for its lines)."""
    path = index_path(out_dir, name)
    write_text_atomic(path, "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines))
    return path


def load_index(path: Path) -> SavedIndex | None:
    """A saved number index; None when the folder was written before there was one."""
    if not path.is_file():
        logger.info("no number index at %s (written by an older jixiao)", path)
        return None
    header, *entries = (json.loads(line) for line in path.read_text("utf-8").splitlines())
    if header.get("schema_version") != INDEX_SCHEMA_VERSION:
        logger.warning("number index %s has an unknown schema; not used", path)
        return None
    return SavedIndex(
        fiscal_year=header.get("fiscal_year"),
        entries=[IndexEntry.model_validate(entry) for entry in entries],
        fits=header.get("fits", {}),
    )
