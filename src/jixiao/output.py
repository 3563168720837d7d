"""Output: a `ReportResult` -> the JSON contract on disk.

In: one report's result.
Out: `<name>.normalized.txt` and `<name>.json` (schema_version 1: source, report with
every field path present, flags sorted by severity, run record), both written
atomically, text first, so a JSON never points into a text that is not there. Decimals
are written as JSON numbers with their exact digits and read back with
`load_report` as `Decimal`.
"""

from __future__ import annotations

import json
import logging
from decimal import Decimal
from pathlib import Path
from typing import Any

import simplejson

from jixiao.core import Evidence, ListItem, ReportField, ReportResult
from jixiao.files import write_text_atomic

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 1
NORMALIZED_SUFFIX = ".normalized.txt"


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
