"""Validate: merged fields -> statuses and flags a reviewer can act on.

In: the merged fields, the normalized text, the chunk answers and the catalog.
Out: the same fields with `status` and `flags` set, and the report's flag list sorted
by severity. A value is `ok` only when a located quote states it; a figure found
nowhere in the report is `not_in_source` (error), one found only elsewhere is
`weak_label` (warning). Chunks that failed are `chunk_failed` errors on the report.
Checks report; they never change a figure.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from jixiao.catalog import Catalog, FieldKind, FieldSpec
from jixiao.core import ChunkAnswer, ChunkStatus, FieldStatus, Flag, ReportField, Severity
from jixiao.evidence import squash
from jixiao.merge import grounded, value_among_figures

SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1}
YEAR_RANGE = (2000, 2100)
PERCENT_CEILING = Decimal(100)
BOUNDED_PERCENT_FIELDS = {
    "satisfaction.satisfied",
    "satisfaction.basic",
    "satisfaction.unsatisfied",
}


def flag(field: str, code: str, severity: Severity, message: str) -> Flag:
    return Flag(field=field, code=code, severity=severity, message=message)


def ground_scalar(spec: FieldSpec, field: ReportField, text: str) -> list[Flag]:
    if field.value is None:
        return []
    chosen = [c for c in field.candidates if c.value == field.value]
    if any(grounded(spec, c) for c in chosen):
        return []
    if spec.kind is FieldKind.ENUM:
        return []
    shown = field.value
    if spec.numeric and value_among_figures(spec.kind, field.value, text):
        return [
            flag(
                spec.path,
                "weak_label",
                Severity.WARNING,
                f"{spec.zh} = {shown}: the figure is in the report, but not where the quote "
                "says; check that it belongs to this field",
            )
        ]
    if not spec.numeric and squash(str(field.value)) in squash(text):
        return [
            flag(
                spec.path,
                "weak_label",
                Severity.WARNING,
                f"{spec.zh}: the text is in the report, but the quote given for it is not",
            )
        ]
    return [
        flag(
            spec.path,
            "not_in_source",
            Severity.ERROR,
            f"{spec.zh} = {shown}: not found in the report",
        )
    ]


def sanity(spec: FieldSpec, value: Any) -> list[Flag]:
    if value is None:
        return []
    if spec.kind is FieldKind.YEAR and not YEAR_RANGE[0] <= value <= YEAR_RANGE[1]:
        return [flag(spec.path, "out_of_range", Severity.ERROR, f"year {value} is implausible")]
    if spec.kind is FieldKind.MONEY and value < 0:
        return [flag(spec.path, "negative", Severity.WARNING, f"{spec.zh} is negative: {value}")]
    if spec.kind is FieldKind.COUNT and value < 0:
        return [flag(spec.path, "negative", Severity.ERROR, f"{spec.zh} is negative: {value}")]
    if spec.path in BOUNDED_PERCENT_FIELDS and not 0 <= value <= PERCENT_CEILING:
        return [
            flag(spec.path, "out_of_range", Severity.ERROR, f"{spec.zh} = {value}% is not 0–100")
        ]
    return []


def ground_list(path: str, field: ReportField) -> list[Flag]:
    flags: list[Flag] = []
    for index, item in enumerate(field.value or []):
        if not item.get("evidence"):
            label = item.get("name") or item.get("text", "")[:20]
            item["flags"] = ["not_in_source"]
            flags.append(
                flag(
                    f"{path}[{index}]",
                    "not_in_source",
                    Severity.ERROR,
                    f"{label}: this item is not found in the report",
                )
            )
        else:
            item.setdefault("flags", [])
    return flags


def chunk_failures(answers: list[ChunkAnswer]) -> list[Flag]:
    return [
        flag(
            "",
            "chunk_failed",
            Severity.ERROR,
            f"chunk {answer.chunk_index} failed: {answer.error}",
        )
        for answer in answers
        if answer.status is ChunkStatus.FAILED
    ]


def validate(
    catalog: Catalog,
    fields: dict[str, ReportField],
    merge_flags: list[Flag],
    answers: list[ChunkAnswer],
    text: str,
) -> list[Flag]:
    """Set every field's status and flags; return all flags, errors first."""
    flags = list(merge_flags)
    for spec in catalog.fields:
        field = fields[spec.path]
        flags.extend(ground_scalar(spec, field, text))
        flags.extend(sanity(spec, field.value))
    for spec in catalog.lists:
        flags.extend(ground_list(spec.path, fields[spec.path]))
    flags.extend(chunk_failures(answers))
    for path, field in fields.items():
        codes = [f.code for f in flags if f.field == path or f.field.startswith(path + "[")]
        field.flags = sorted(set(codes), key=codes.index)
        if field.value is None or field.value == []:
            field.status = FieldStatus.MISSING
            field.value = None
        elif codes:
            field.status = FieldStatus.FLAGGED
        else:
            field.status = FieldStatus.OK
    return sort_flags(flags)


def sort_flags(flags: list[Flag]) -> list[Flag]:
    return sorted(flags, key=lambda f: (SEVERITY_ORDER[f.severity], f.field, f.code))
