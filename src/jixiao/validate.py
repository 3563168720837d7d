"""Validate: model answers + rule findings -> grounded fields and flags.

In: the merged model fields (values with their chunk candidates), what the rules found
(candidates from the number index and alias tables, rule-built lists), the chunk
answers and the normalized text.
Out: every field with value, status, evidence and flag codes, and the report's flags
sorted by severity (errors first), each message a Chinese sentence with the field's name
and the figures' units (templates in `data/flags.toml`).

Grounding: a model figure is `ok` only when the report prints it (after unit
conversion) under a label that fits the field, or when the rules found the same value on
their own (the title's year and kind, a labelled name or filing line); printed only under
other labels -> `weak_label` (warning); printed nowhere -> `not_in_source` (error).
Reconciliation: where the model's value is ungrounded and the rules state another, the
rules' value is proposed (`model_rule_disagree` + `proposed_by_rules`), unless the rules
only inferred it or read an implausible figure (then only `model_rule_disagree`); where
the model is silent the field is exactly what the rules alone make of it (silence is not
doubt); where the report states a field twice with different values -> `conflict` (a
name and its short form are one value). With provider `none` the rules alone fill the
fields: a single value under a fitting label is `ok`. Checks report; they never change a
figure.
"""

from __future__ import annotations

import logging
import re
from decimal import Decimal
from typing import Any

from jixiao.catalog import Catalog, FieldKind, FieldSpec
from jixiao.checks import load_checks
from jixiao.core import (
    Candidate,
    ChunkAnswer,
    ChunkStatus,
    Evidence,
    FieldStatus,
    Flag,
    Indicator,
    ListItem,
    Project,
    ReportField,
    Severity,
    Suspect,
)
from jixiao.evidence import evidence_of, squash, unique_spans
from jixiao.figures import format_decimal
from jixiao.flags import choice_words, load_flags, message, with_unit
from jixiao.numbers import IndexedNumber
from jixiao.rules import (
    UNIT_NAME_MIN_CHARS,
    RuleContext,
    RuleFindings,
    entries_for,
    same_value,
    shorter_form,
)
from jixiao.words import load_words

logger = logging.getLogger(__name__)

SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1}


def flag(field: str, code: str, severity: Severity, message: str) -> Flag:
    return Flag(field=field, code=code, severity=severity, message=message)


def shown(value: Any, spec: FieldSpec | None = None) -> str:
    """A value as a message shows it: a figure with its field's unit, an enumerated
    value in its words (单位整体), a long text cut at 40 characters."""
    if isinstance(value, Decimal):
        return with_unit(format_decimal(value), spec.kind if spec else None)
    if isinstance(value, int) and spec is not None and spec.numeric:
        return with_unit(str(value), spec.kind)
    text = str(value)
    if spec is not None:
        text = choice_words().get(spec.path, {}).get(text, text)
    return text if len(text) <= 40 else text[:40] + "…"


def group_values(candidates: list[Candidate]) -> list[list[Candidate]]:
    """Candidates grouped by value, most often stated first (ties: first stated)."""
    groups: list[list[Candidate]] = []
    for candidate in candidates:
        for group in groups:
            if same_value(group[0].value, candidate.value):
                group.append(candidate)
                break
        else:
            groups.append([candidate])
    first = {
        id(g): min(e.start for c in g for e in c.evidence) if any(c.evidence for c in g) else 0
        for g in groups
    }
    return sorted(groups, key=lambda g: (-len(g), first[id(g)]))


# --- grounding of one model value --------------------------------------------------------


def _entry_value(spec: FieldSpec, entry: IndexedNumber) -> Any:
    if spec.kind is FieldKind.MONEY:
        return entry.wanyuan if entry.kind == "money" else entry.value
    return entry.value


def ground_model_value(
    spec: FieldSpec, field: ReportField, ctx: RuleContext
) -> tuple[str | None, list]:
    """(None, evidence) when grounded; else (flag code, evidence found elsewhere)."""
    value = field.value
    if spec.numeric:
        printed = [
            e
            for e in ctx.index
            if e.kind not in ("date",)
            and same_value(_entry_value(spec, e), value)
            and (spec.kind is not FieldKind.YEAR or e.kind == "year")
        ]
        fitting_entries = {id(e) for e in entries_for(spec, ctx)}
        fitting = [e for e in printed if id(e) in fitting_entries]
        quoted = [ev for c in field.candidates for ev in c.evidence]
        if fitting:
            inside = [e for e in fitting if any(q.start <= e.start < q.end for q in quoted)]
            chosen = inside or fitting
            return None, [evidence_of(ctx.text, e.start, e.end) for e in chosen]
        if printed:
            return "weak_label", [evidence_of(ctx.text, e.start, e.end) for e in printed[:3]]
        return "not_in_source", []
    if spec.kind is FieldKind.ENUM:
        return "inferred", []
    text_value = str(value)
    if squash(text_value) in {squash(label) for label in spec.labels} | {squash(spec.zh)}:
        return "weak_label", []
    if not text_fits(spec, text_value):
        # Printed, but not the shape of this field (a sentence for a unit's name, a bare
        # figure for a goal): where it stands is not where the field is stated.
        position = ctx.text.find(text_value)
        found = (
            [evidence_of(ctx.text, position, position + len(text_value))] if position >= 0 else []
        )
        return ("weak_label" if found else "not_in_source"), found
    if spec.path != "unit_name" and spec.labels:
        # A goal is the text that follows its heading or cell, not any sentence.
        position = ctx.text.find(text_value)
        if position >= 0:
            before = ctx.text[max(0, position - LABEL_REACH_CHARS) : position]
            if not any(label in before for label in spec.labels):
                end = position + len(text_value)
                return "weak_label", [evidence_of(ctx.text, position, end)]
    for candidate in field.candidates:
        for evidence in candidate.evidence:
            if squash(text_value) in squash(evidence.quote):
                return None, [evidence]
    position = ctx.text.find(text_value)
    if position >= 0:
        return None, [evidence_of(ctx.text, position, position + len(text_value))]
    return "not_in_source", []


_SENTENCE_MARKS = re.compile(r"[，。；！？,;!?]")
_CJK = re.compile(r"[\u3400-\u9fff]")
_FIGURE_WITH_UNIT = re.compile(r"\d[\d.,]*\s*(?:万元|亿元|元|%|％|人|个|分|项|次|年)?")
UNIT_NAME_MAX_CHARS = 40
LABEL_REACH_CHARS = 80  # how far before a text field's value its label may stand


def text_fits(spec: FieldSpec, value: str) -> bool:
    """Whether a model's text has the shape of its field: a unit's name is a name (no
    sentence marks, at most 40 characters, ending as units' names end); any other text
    field holds words, not a bare figure."""
    if spec.kind is not FieldKind.TEXT:
        return True
    if spec.path == "unit_name":
        name = value.strip()
        return (
            UNIT_NAME_MIN_CHARS <= len(name) <= UNIT_NAME_MAX_CHARS
            and not _SENTENCE_MARKS.search(name)
            and load_words().org_suffix.search(name) is not None
        )
    return len(_CJK.findall(_FIGURE_WITH_UNIT.sub("", value))) >= 2


def read_a_glued_run(model_value: Any, rule_group: list[Candidate], text: str) -> bool:
    """Whether a model figure the text never prints alone is the digits of a glued run of
    cells (`2456.182456.18…`) read whole: where the rules read their value, or beginning
    with the rules' value."""
    if not isinstance(model_value, Decimal):
        return False
    digits = format_decimal(model_value)
    rules_value = rule_group[0].value
    starts_with_rules = isinstance(rules_value, Decimal) and digits.startswith(
        format_decimal(rules_value)
    )
    spans = [(e.start, e.end) for c in rule_group for e in c.evidence]
    for match in re.finditer(re.escape(digits), text):
        a, b = match.start(), match.end()
        glued = (b < len(text) and text[b] in "0123456789.%") or (
            a > 0 and text[a - 1] in "0123456789."
        )
        if glued and (starts_with_rules or any(a <= start < b for start, _ in spans)):
            return True
    return False


# flag code -> its message template in data/flags.toml ([message.<key>])
MODEL_MESSAGES = {
    "weak_label": "weak_label",
    "not_in_source": "not_in_source",
    "inferred": "inferred",
}


def plausible(spec: FieldSpec, value: Any) -> bool:
    """Whether a value lies inside every sanity range of data/checks.toml for its field
    (a glued 202010100% is no rate to put in place of a model's answer)."""
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return True
    for rule in load_checks().ranges:
        applies = rule.path == spec.path or rule.kind == spec.kind
        low = rule.min is not None and number < rule.min
        high = rule.max is not None and number > rule.max
        if applies and (low or high):
            return False
    return True


def settle_scalar(
    spec: FieldSpec,
    field: ReportField,
    rule_candidates: list[Candidate],
    inferred: bool,
    ctx: RuleContext,
) -> list[Flag]:
    """Decide the value, evidence and flags of one scalar field.

    A model value is grounded when the text prints it under a fitting label, or when the
    rules found the same value on their own (their title year, their report kind, a
    filing line); a value the rules only inferred grounds nothing and replaces nothing.
    Where the model is silent the field is what the rules alone make of it.
    """
    flags: list[Flag] = []
    groups = group_values(rule_candidates)
    rules_value = groups[0][0].value if groups else None
    same = shorter_form if spec.kind is FieldKind.TEXT else same_value

    def add(code: str, severity: Severity, message: str) -> None:
        flags.append(flag(spec.path, code, severity, message))

    def conflict_if_any(chosen: Any) -> None:
        others = [shown(g[0].value, spec) for g in groups if not same(g[0].value, chosen)]
        if others:
            add(
                "conflict",
                Severity.WARNING,
                message(
                    "conflict", name=spec.zh, value=shown(chosen, spec), others="、".join(others)
                ),
            )

    if field.value is not None:
        code, evidence = ground_model_value(spec, field, ctx)
        agreeing = next((g for g in groups if same_value(g[0].value, field.value)), None)
        if code is not None and agreeing is not None:
            evidence = unique_spans(agreeing)
            if not inferred:
                code = None
        if code is None:
            field.evidence = evidence
            conflict_if_any(field.value)
            if inferred:
                add("inferred", Severity.WARNING, message("inferred_title", name=spec.zh))
            return flags
        if (
            code == "not_in_source"
            and rules_value is not None
            and not inferred
            and read_a_glued_run(field.value, groups[0], ctx.text)
        ):
            # The model read a run of cells that lost their separators as one figure; the
            # rules split that run where the form's arithmetic confirms it: their reading
            # stands, as it would with no model.
            field.value = rules_value
            field.evidence = unique_spans(groups[0])
            conflict_if_any(rules_value)
            return flags
        severity = load_flags()[code].severity
        add(
            code,
            severity,
            message(MODEL_MESSAGES[code], name=spec.zh, value=shown(field.value, spec)),
        )
        field.evidence = evidence
        if rules_value is None or same(rules_value, field.value):
            return flags
        if inferred or (spec.numeric and not plausible(spec, rules_value)):
            why = message("why_inferred" if inferred else "why_implausible")
            add(
                "model_rule_disagree",
                Severity.WARNING,
                message(
                    "disagree_kept",
                    name=spec.zh,
                    model=shown(field.value, spec),
                    why=why,
                    rules=shown(rules_value, spec),
                ),
            )
            return flags
        add(
            "model_rule_disagree",
            Severity.WARNING,
            message(
                "disagree_proposed",
                name=spec.zh,
                model=shown(field.value, spec),
                rules=shown(rules_value, spec),
            ),
        )
        field.value = rules_value
        field.evidence = unique_spans(groups[0])
        add(
            "proposed_by_rules",
            Severity.WARNING,
            message("proposed_by_rules", name=spec.zh, value=shown(rules_value, spec)),
        )
        conflict_if_any(rules_value)
        return flags

    # Silence is not doubt: the field is what the rules alone make of it.
    if rules_value is None:
        return flags
    field.value = rules_value
    field.evidence = unique_spans(groups[0])
    field.candidates = rule_candidates
    if inferred:
        add(
            "inferred",
            Severity.WARNING,
            message("inferred_unstated", name=spec.zh, value=shown(rules_value, spec)),
        )
    conflict_if_any(rules_value)
    return flags


# --- lists -----------------------------------------------------------------------------


def _funds_lines() -> set[str]:
    """Names of funds lines a model may mistake for projects."""
    return {squash(word) for word in load_words().funds_lines}


def _same_item(a: ListItem, b: ListItem) -> bool:
    left, right = squash(a.key_text), squash(b.key_text)
    if not left or not right:
        return False
    if isinstance(a, Indicator) and isinstance(b, Indicator):
        return left == right and squash(str(a.target)) == squash(str(b.target))
    return left in right or right in left


def settle_list(
    path: str, model_items: list[ListItem], rule_items: list[ListItem]
) -> tuple[list[Flag], list[ListItem]]:
    """Rule items are read straight from the text; model items join them or stand alone."""
    flags: list[Flag] = []
    items = [item.model_copy(update={"flags": []}) for item in rule_items]
    for model_item in model_items:
        match = next((item for item in items if _same_item(item, model_item)), None)
        if match is None:
            item = model_item.model_copy(update={"flags": list(model_item.flags)})
            if not item.evidence:
                item.flags.append("not_in_source")
            elif isinstance(item, Project) and squash(item.name) in _funds_lines():
                item.flags.append("weak_label")
            items.append(item)
            continue
        for key in match.FIGURES:
            mine, theirs = getattr(match, key), getattr(model_item, key)
            if mine is None and theirs is not None:
                setattr(match, key, theirs)
            elif mine is not None and theirs is not None and not same_value(mine, theirs):
                match.flags.append("model_rule_disagree")
    for index, item in enumerate(items):
        label = shown(item.key_text)
        for code in dict.fromkeys(item.flags):
            severity = load_flags()[code].severity if code in load_flags() else Severity.WARNING
            key = {
                "not_in_source": "item_not_in_source",
                "weak_label": "item_weak_label",
                "model_rule_disagree": "item_disagree",
            }.get(code, "item_other")
            words = load_flags()[code].zh if code in load_flags() else code
            text = message(key, label=label, words=words)
            flags.append(flag(f"{path}[{index}]", code, severity, text))
    return flags, items


# --- the whole report --------------------------------------------------------------------


def _flag_text(code: str) -> str:
    spec = load_flags().get(code)
    return spec.zh if spec else code


def suspect_flags(fields: dict[str, ReportField], suspects: list[Suspect]) -> list[Flag]:
    """Warn on every value whose evidence lies where OCR read unsurely."""
    flags: list[Flag] = []

    def hit(evidence: list[Evidence]) -> list[Suspect]:
        return [x for x in suspects for e in evidence if x.start < e.end and e.start < x.end]

    for path, field in fields.items():
        if isinstance(field.value, list):
            for index, item in enumerate(field.value):
                for suspect in hit(item.evidence)[:1]:
                    item.flags.append(suspect.reason)
                    flags.append(
                        flag(
                            f"{path}[{index}]",
                            suspect.reason,
                            Severity.WARNING,
                            _flag_text(suspect.reason),
                        )
                    )
        elif field.value is not None and all(hit([e]) for e in field.evidence):
            # a value also read cleanly somewhere else is not in doubt
            for reason in dict.fromkeys(x.reason for x in hit(field.evidence)):
                flags.append(flag(path, reason, Severity.WARNING, _flag_text(reason)))
    return flags


def chunk_failures(answers: list[ChunkAnswer]) -> list[Flag]:
    return [
        flag(
            "",
            "chunk_failed",
            Severity.ERROR,
            message("chunk_failed", chunk=a.chunk_index, error=a.error),
        )
        for a in answers
        if a.status is ChunkStatus.FAILED
    ]


def validate(
    catalog: Catalog,
    fields: dict[str, ReportField],
    ctx: RuleContext,
    findings: RuleFindings,
    rule_lists: dict[str, list[ListItem]],
) -> list[Flag]:
    """Ground and reconcile every field (value and evidence); return the flags raised."""
    flags: list[Flag] = []
    for spec in catalog.fields:
        flags.extend(
            settle_scalar(
                spec,
                fields[spec.path],
                findings.candidates.get(spec.path, []),
                spec.path in findings.inferred,
                ctx,
            )
        )
    for list_spec in catalog.lists:
        path = list_spec.path
        list_flags, items = settle_list(path, fields[path].value or [], rule_lists.get(path, []))
        fields[path].value = items or None
        fields[path].evidence = []
        flags.extend(list_flags)
    return flags


def settle_statuses(fields: dict[str, ReportField], flags: list[Flag]) -> list[Flag]:
    """Every field's status and flag codes from the report's flags; the flags sorted."""
    for path, field in fields.items():
        codes = [f.code for f in flags if f.field == path or f.field.startswith(path + "[")]
        field.flags = list(dict.fromkeys(codes))
        if field.value is None or field.value == []:
            field.status = FieldStatus.MISSING
            field.value = None
            field.evidence = []
        elif field.flags:
            field.status = FieldStatus.FLAGGED
        else:
            field.status = FieldStatus.OK
    return sort_flags(flags)


def spare_settled(
    fields: dict[str, ReportField], flags: list[Flag], alone: dict[str, ReportField]
) -> list[Flag]:
    """The flags without those a model's answer raised, through a check, on fields the
    rules alone settle `ok` with the same value.

    A check (a sum, a ratio) flags every field it adds up. When one of them holds a value
    the model brought (different from what the rules alone give) and another is a value the
    rules alone settle `ok`, the doubt is the model's value's: it stays flagged, the settled
    one keeps the status it has with no model. So the model never lowers what is `ok`.
    """
    changed = {
        path
        for path, field in fields.items()
        if path in alone and not _same_or_none(field.value, alone[path].value)
    }
    settled = {
        path
        for path, field in alone.items()
        if field.status is FieldStatus.OK and _same_or_none(fields[path].value, field.value)
    }
    inputs: dict[str, set[str]] = {}
    for rule in load_checks().checks:
        paths = [*rule.terms, *rule.totals, *rule.numerators, *rule.denominators]
        paths += [rule.target] if rule.target else []
        inputs.setdefault(rule.code, set()).update(paths)
    groups: dict[tuple[str, str], set[str]] = {}
    for item in flags:
        groups.setdefault((item.code, item.message), set()).add(item.field)
    doubted_by_model = {
        key for key, paths in groups.items() if (paths | inputs.get(key[0], set())) & changed
    }
    return [
        item
        for item in flags
        if not ((item.code, item.message) in doubted_by_model and item.field in settled)
    ]


def _same_or_none(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is b
    if isinstance(a, list) or isinstance(b, list):
        return a == b
    return same_value(a, b) if not isinstance(a, str) else a == b


def sort_flags(flags: list[Flag]) -> list[Flag]:
    return sorted(flags, key=lambda f: (SEVERITY_ORDER[f.severity], f.field, f.code))
