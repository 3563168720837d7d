"""Merge: per-chunk LLM answers -> one set of report fields.

In: the chunks, their answers and the normalized text.
Out: a `ReportField` per field path (value, evidence, every candidate kept) and flags.
Scalars: each answering chunk's value becomes a typed candidate (money in 万元, exact
decimals) with its quote located in the text; the value picked is the one best backed
by evidence, and grounded candidates that disagree raise a `conflict` flag. Lists
(projects, indicators, problems, improvements) are combined across chunks and
de-duplicated. Statuses are left to the validator.
"""

from __future__ import annotations

import logging
import re
from decimal import Decimal
from typing import Any

from jixiao.catalog import Catalog, FieldKind, FieldSpec
from jixiao.core import (
    LIST_ITEM_TYPES,
    Candidate,
    Chunk,
    ChunkAnswer,
    ChunkStatus,
    Flag,
    Improvement,
    Indicator,
    ListItem,
    Origin,
    Problem,
    Project,
    ReportField,
    Severity,
)
from jixiao.evidence import locate, squash, unique_spans
from jixiao.figures import (
    FIGURE_RE,
    format_decimal,
    parse_figure,
    parse_money,
    parse_percent,
    strip_zeros,
)
from jixiao.flags import message, with_unit
from jixiao.patterns import YEAR_RE

logger = logging.getLogger(__name__)


def coerce_value(spec: FieldSpec, raw: Any) -> Any:
    """A model's raw value as the contract's type, or None when it makes no sense."""
    if raw is None:
        return None
    text = str(raw).strip()
    if not text or text.lower() in {"null", "none", "无", "—", "——", "-", "/"}:
        return None
    match spec.kind:
        case FieldKind.MONEY:
            return parse_money(text)
        case FieldKind.PERCENT:
            return parse_percent(text)
        case FieldKind.COUNT:
            figure = parse_figure(text)
            if figure is None or figure.value != figure.value.to_integral_value():
                return None
            return int(figure.value)
        case FieldKind.SCORE:
            figure = parse_figure(text)
            return None if figure is None else strip_zeros(figure.value)
        case FieldKind.YEAR:
            match_year = YEAR_RE.search(text)
            return int(match_year.group(0)) if match_year else None
        case FieldKind.ENUM:
            return text if text in spec.choices else None
        case _:
            return text


def scalar_candidates(
    spec: FieldSpec, chunks: list[Chunk], answers: list[ChunkAnswer], text: str
) -> list[Candidate]:
    candidates: list[Candidate] = []
    for answer in answers:
        if answer.status is ChunkStatus.SKIPPED or not answer.data:
            continue
        item = answer.data.get(spec.key)
        if not isinstance(item, dict):
            continue
        value = coerce_value(spec, item.get("value"))
        if value is None:
            continue
        chunk = chunks[answer.chunk_index]
        quote = item.get("quote")
        found = locate(text, quote, (chunk.start, chunk.end))
        candidates.append(
            Candidate(
                value=value,
                origin=Origin.CHUNK,
                chunk=chunk.index,
                quote=quote,
                evidence=[found] if found else [],
            )
        )
    return candidates


def value_in_quote(spec: FieldSpec, value: Any, quote: str) -> bool:
    """Whether the quote states the value (a number among its figures, or the text)."""
    if spec.kind is FieldKind.ENUM:
        return True
    if spec.numeric:
        return value_among_figures(spec.kind, value, quote)
    return squash(str(value)) in squash(quote) or squash(quote) in squash(str(value))


def value_among_figures(kind: FieldKind, value: Any, quote: str) -> bool:
    target = Decimal(value)
    for match in FIGURE_RE.finditer(quote):
        figure = parse_figure(match.group(0))
        if figure is None:
            continue
        if kind is FieldKind.MONEY and figure.is_money:
            if figure.in_wanyuan() == target:
                return True
        elif figure.value == target:
            return True
    return False


def grounded(spec: FieldSpec, candidate: Candidate) -> bool:
    return any(value_in_quote(spec, candidate.value, ev.quote) for ev in candidate.evidence)


def pick(spec: FieldSpec, candidates: list[Candidate]) -> tuple[ReportField, list[Flag]]:
    """The best-evidenced value; disagreeing grounded values are kept and flagged."""
    field = ReportField(candidates=candidates)
    if not candidates:
        return field, []
    by_value: dict[str, list[Candidate]] = {}
    for candidate in candidates:
        by_value.setdefault(_value_key(candidate.value), []).append(candidate)

    def strength(group: list[Candidate]) -> tuple[int, int, int]:
        backed = sum(1 for c in group if grounded(spec, c))
        first = min(c.chunk for c in group if c.chunk is not None)
        return backed, len(group), -first

    ranked = sorted(by_value.values(), key=strength, reverse=True)
    best = ranked[0]
    field.value = best[0].value
    field.evidence = unique_spans(c for c in best if grounded(spec, c)) or unique_spans(best)
    flags: list[Flag] = []
    rivals = [group for group in ranked[1:] if any(grounded(spec, c) for c in group)]
    if rivals and any(grounded(spec, c) for c in best):
        values = [_value_key(best[0].value)] + [_value_key(group[0].value) for group in rivals]
        flags.append(
            Flag(
                field=spec.path,
                code="conflict",
                severity=Severity.WARNING,
                message=message(
                    "conflict_values",
                    name=spec.zh,
                    values="、".join(
                        with_unit(v, spec.kind) if spec.numeric else v for v in values
                    ),
                ),
            )
        )
    return field, flags


def _value_key(value: Any) -> str:
    return format_decimal(value) if isinstance(value, Decimal) else str(value)


# --- lists ---------------------------------------------------------------------------


def _norm_name(name: str) -> str:
    return re.sub(r"[“”\"'《》「」\s（）()]|项目$", "", name or "")


def merge_lists(
    chunks: list[Chunk], answers: list[ChunkAnswer], text: str
) -> dict[str, list[ListItem]]:
    """Every chunk's list items, typed, located in the text and de-duplicated."""
    merged: dict[str, dict[str, ListItem]] = {path: {} for path in LIST_ITEM_TYPES}
    for answer in answers:
        if answer.status is ChunkStatus.SKIPPED or not answer.data:
            continue
        chunk = chunks[answer.chunk_index]
        window = (chunk.start, chunk.end)
        for raw in answer.data.get("projects") or []:
            project = _project_item(raw, text, window)
            if project:
                _combine(merged["projects"], _norm_name(project.name), project)
        for raw in answer.data.get("indicators") or []:
            indicator = _indicator_item(raw, text, window)
            if indicator:
                parts = (indicator.name, indicator.target, indicator.actual)
                key = "|".join(_norm_name(part or "") for part in parts)
                _combine(merged["indicators"], key, indicator)
        for path, item_type in (("problems", Problem), ("improvements", Improvement)):
            for raw in answer.data.get(path) or []:
                if isinstance(raw, str) and raw.strip():
                    found = locate(text, raw, window)
                    paragraph = item_type(text=raw.strip(), evidence=[found] if found else [])
                    _combine(merged[path], squash(raw), paragraph)
    return {path: list(items.values()) for path, items in merged.items()}


def _combine(bucket: dict[str, ListItem], key: str, item: ListItem) -> None:
    """Keep one item per key; a later chunk fills what an earlier one left empty."""
    if not key:
        return
    if key not in bucket:
        bucket[key] = item
        return
    existing = bucket[key]
    for name in type(item).model_fields:
        value = getattr(item, name)
        if getattr(existing, name) in (None, "", []) and value not in (None, "", []):
            setattr(existing, name, value)


def _project_item(raw: dict, text: str, window: tuple[int, int]) -> Project | None:
    name = str(raw.get("name") or "").strip()
    if not name:
        return None
    found = locate(text, raw.get("quote"), window) or locate(text, name, window)
    return Project(
        name=name,
        **{key: parse_money(raw.get(key)) for key in Project.FIGURES},
        evidence=[found] if found else [],
    )


def _indicator_item(raw: dict, text: str, window: tuple[int, int]) -> Indicator | None:
    name = str(raw.get("name") or "").strip()
    if not name:
        return None
    texts = {
        key: (str(raw.get(key)).strip() if raw.get(key) not in (None, "") else None)
        for key in Indicator.columns()
        if key not in Indicator.FIGURES
    }
    figures = {}
    for key in Indicator.FIGURES:
        figure = parse_figure(raw.get(key))
        figures[key] = None if figure is None else strip_zeros(figure.value)
    found = locate(text, name, window)
    return Indicator(**texts, **figures, evidence=[found] if found else [])


def merge_answers(
    catalog: Catalog, chunks: list[Chunk], answers: list[ChunkAnswer], text: str
) -> tuple[dict[str, ReportField], list[Flag]]:
    fields: dict[str, ReportField] = {}
    flags: list[Flag] = []
    for spec in catalog.fields:
        field, field_flags = pick(spec, scalar_candidates(spec, chunks, answers, text))
        fields[spec.path] = field
        flags.extend(field_flags)
    for path, items in merge_lists(chunks, answers, text).items():
        fields[path] = ReportField(value=items or None)
    return fields, flags
