"""Rules: the number index and the alias tables -> candidates for every field, no LLM.

In: the normalized text, its blocks and sections, the number index and the catalog.
Out: per scalar field the candidates the rules find (each with its evidence span), and
rule-built lists (indicators from the indicator table, projects, problems,
improvements). A figure is a candidate for a field only when its label context fits
the field's wordings (`labels`, `not`, `cells` in data/fields.toml) and its kind fits
the field's kind. With provider `none` these candidates are the whole extraction; with
a model they confirm, correct or flag its answers (see validate).
"""

from __future__ import annotations

import logging
import re
from decimal import Decimal
from typing import Any

import regex
from pydantic import BaseModel, ConfigDict

from jixiao.catalog import Catalog, FieldKind, FieldSpec
from jixiao.core import Block, BlockKind, Candidate, Cell, Origin, Section
from jixiao.evidence import evidence_of, squash
from jixiao.figures import strip_zeros
from jixiao.numbers import IndexedNumber
from jixiao.patterns import YEAR, unglossed
from jixiao.words import load_words

logger = logging.getLogger(__name__)

TITLE_MAX_LINES = 3
OCR_FUZZY_MIN_CHARS = 5
UNIT_NAME_MIN_CHARS = 4
FILING_NOT_AFTER_CHARS = 40  # how far before a filing value `not_after` words count
COUNT_UNITS = ["人", "名"]  # a count field's units unless the catalog names its own


class RuleContext(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    text: str
    index: list[IndexedNumber]
    blocks: list[Block]
    sections: list[Section]
    fiscal_year: int | None = None
    report_kind: str | None = None  # from the title: decides which wordings apply
    ocr: bool = False  # text came from OCR: key words may carry one misread character

    @property
    def tables(self) -> list[Block]:
        return [b for b in self.blocks if b.kind is BlockKind.TABLE]

    def title_lines(self) -> list[tuple[int, int]]:
        """Spans of the lines before the first heading (at most a few)."""
        first_heading = next((b.start for b in self.blocks if b.kind is BlockKind.HEADING), None)
        end = first_heading if first_heading is not None else len(self.text)
        spans = [
            (b.start, b.end) for b in self.blocks if b.kind is BlockKind.PARAGRAPH and b.end <= end
        ]
        return spans[:TITLE_MAX_LINES]


def mentions(label: str, alias: str) -> bool:
    if alias.startswith("re:"):
        return re.search(alias[3:], label) is not None
    return alias in label


def label_fits(
    spec: FieldSpec,
    entry: IndexedNumber,
    fiscal_year: int | None,
    report_kind: str | None = None,
) -> bool:
    """Whether the words around a figure state this field (in a report of this kind)."""
    if any(word in entry.sentence for word in spec.sentence_not):
        return False
    if entry.label:
        labels = spec.labels_for(report_kind)
        return any(mentions(entry.label, a) for a in labels) and not any(
            mentions(entry.label, n) for n in spec.not_labels
        )
    if not entry.in_table:
        return False
    for row_alias, column_alias in spec.cells:
        if "{year}" in row_alias + column_alias:
            if fiscal_year is None:
                continue
            row_alias = row_alias.replace("{year}", str(fiscal_year))
            column_alias = column_alias.replace("{year}", str(fiscal_year))
        row_fits = not row_alias or row_alias in entry.row_label
        column_fits = not column_alias or column_alias in entry.column_label
        if row_fits and column_fits and not any(n in entry.row_label for n in spec.not_labels):
            return True
    return False


def kind_fits(spec: FieldSpec, entry: IndexedNumber) -> bool:
    match spec.kind:
        case FieldKind.MONEY:
            return entry.kind == "money"
        case FieldKind.PERCENT:
            return entry.kind == "percent"
        case FieldKind.COUNT:
            integral = entry.value == entry.value.to_integral_value()
            units = spec.units or COUNT_UNITS
            people = entry.unit in units or (entry.kind == "plain" and entry.in_table)
            return integral and people and entry.comparator is None
        case FieldKind.SCORE:
            # A score cell may have taken the money unit of the table it sits in.
            scoreish = entry.kind in ("plain", "score") or (
                entry.kind == "money" and not entry.unit_printed
            )
            return scoreish and entry.comparator is None
        case FieldKind.YEAR:
            return entry.kind == "year"
    return False


def entry_value(spec: FieldSpec, entry: IndexedNumber) -> Any:
    if spec.kind is FieldKind.MONEY:
        return entry.wanyuan
    if spec.kind in (FieldKind.COUNT, FieldKind.YEAR):
        return int(entry.value)
    return strip_zeros(entry.value)


def entries_for(spec: FieldSpec, ctx: RuleContext) -> list[IndexedNumber]:
    """Index entries whose label and kind fit the field."""
    found = [
        e
        for e in ctx.index
        if kind_fits(spec, e) and label_fits(spec, e, ctx.fiscal_year, ctx.report_kind)
    ]
    if spec.pick == "last_in_row":
        last: dict[str, IndexedNumber] = {}
        for entry in found:
            key = entry.row_key or str(entry.start)
            last[key] = entry
        found = sorted(last.values(), key=lambda e: e.start)
    return found


def _candidate(value: Any, text: str, start: int, end: int) -> Candidate:
    return Candidate(
        value=value,
        origin=Origin.RULES,
        quote=text[start:end],
        evidence=[evidence_of(text, start, end)],
    )


def numeric_candidates(spec: FieldSpec, ctx: RuleContext) -> list[Candidate]:
    return [
        _candidate(entry_value(spec, e), ctx.text, e.start, e.end) for e in entries_for(spec, ctx)
    ]


# --- text fields and classifications ---------------------------------------------------


def fiscal_year_candidates(ctx: RuleContext) -> tuple[list[Candidate], bool]:
    """Years stated in the title; else the commonest year in the funds figures' labels
    (second value: True when inferred rather than stated in the title)."""
    for start, end in ctx.title_lines():
        for entry in ctx.index:
            if entry.kind == "year" and start <= entry.start < end:
                return [_candidate(int(entry.value), ctx.text, entry.start, entry.end)], False
    counts: dict[int, list[IndexedNumber]] = {}
    for money in (e for e in ctx.index if e.kind == "money" and e.label):
        match = re.search(rf"({YEAR})年", money.label)
        if match:
            counts.setdefault(int(match.group(1)), []).append(money)
    if not counts:
        return [], False
    year = max(counts, key=lambda y: len(counts[y]))
    years = [e for e in ctx.index if e.kind == "year" and int(e.value) == year]
    if not years:
        return [], False
    return [_candidate(year, ctx.text, years[0].start, years[0].end)], True


def unit_name_candidates(ctx: RuleContext) -> list[Candidate]:
    words = load_words()
    found: list[Candidate] = []
    for table in ctx.tables:
        for row in table.rows:
            for position, cell in enumerate(row[:-1]):
                if words.name_cell.search(cell.text):
                    value = next((c for c in row[position + 1 :] if c.text.strip()), None)
                    if value is not None and words.org_suffix.search(value.text.strip()):
                        found.append(
                            _candidate(value.text.strip(), ctx.text, value.start, value.end)
                        )
    for start, end in ctx.title_lines():
        line = ctx.text[start:end]
        prefix = words.title_prefix.match(line)
        name_start = prefix.end() if prefix else 0
        name = words.title_tail.sub("", line[name_start:]).strip()
        if len(name) >= UNIT_NAME_MIN_CHARS and words.org_suffix.search(name):
            offset = start + line.index(name, name_start)
            found.append(_candidate(name, ctx.text, offset, offset + len(name)))
            break
    return found


def report_kind_candidates(ctx: RuleContext) -> tuple[list[Candidate], bool]:
    """unit / project from the title's words (second value: True when only inferred)."""
    words = load_words()
    for start, end in ctx.title_lines():
        line = ctx.text[start:end]
        for kind_words, kind in (
            (words.project_kind_words, "project"),
            (words.unit_kind_words, "unit"),
        ):
            for word in kind_words:
                if word in line:
                    at = start + line.index(word)
                    return [_candidate(kind, ctx.text, at, at + len(word))], False
    head = ctx.text[:1500]
    for word in words.unit_kind_hints:
        found = find_word(word, head, ocr=ctx.ocr)
        if found is not None:
            return [_candidate("unit", ctx.text, found, found + len(word))], True
    return [], False


def find_word(word: str, text: str, ocr: bool = False) -> int | None:
    """Offset of `word` in `text`; in OCR text also a reading with one character misread.

    OCR confuses single characters that look alike (门/内, 己/已), so a key phrase of five or
    more characters is still found with one substitution (`regex` fuzzy matching); the
    first and last characters must match, which keeps short common words from matching by
    chance.
    """
    if word in text:
        return text.index(word)
    if not ocr or len(word) < OCR_FUZZY_MIN_CHARS:
        return None
    inner = regex.escape(word[1:-1])
    pattern = f"{regex.escape(word[0])}(?:{inner}){{s<=1}}{regex.escape(word[-1])}"
    match = regex.search(pattern, text)
    return match.start() if match else None


def pattern_candidates(
    path: str, ctx: RuleContext, patterns: tuple[re.Pattern[str], ...] | None = None
) -> list[Candidate]:
    """Values of a field read by its patterns (words.toml `[filing.patterns]`).

    The patterns run on the text without pinyin glosses, so that a mirror's
    `報(bào)告日期` reads like `報告日期`; spans are mapped back to the text.
    """
    words = load_words()
    if patterns is None:
        patterns = words.filing_patterns.get(path, ())
    someone_else = words.filing_not_after.get(path)
    view, offsets = unglossed(ctx.text)
    found: list[Candidate] = []
    for pattern in patterns:
        for m in pattern.finditer(view):
            before = view[max(0, m.start() - FILING_NOT_AFTER_CHARS) : m.start()]
            if someone_else is not None and someone_else.search(before):
                continue
            start, end = offsets[m.start("v")], offsets[m.end("v") - 1] + 1
            found.append(_candidate(ctx.text[start:end], ctx.text, start, end))
    return found


def goal_candidates(ctx: RuleContext) -> dict[str, list[Candidate]]:
    words = load_words()
    found: dict[str, list[Candidate]] = {"goals.expected": [], "goals.achieved": []}
    for table in ctx.tables:
        for number, row in enumerate(table.rows[:-1]):
            texts = [c.text for c in row]
            expected = column_of(texts, words.goal_expected)
            achieved = column_of(texts, words.goal_achieved)
            if expected is None or achieved is None:
                continue
            below = table.rows[number + 1]
            for path, column in (("goals.expected", expected), ("goals.achieved", achieved)):
                cell = aligned_cell(row, below, column)
                if cell is not None and len(cell.text.strip()) >= 4:
                    found[path].append(
                        _candidate(cell.text.strip(), ctx.text, cell.start, cell.end)
                    )
    return found


def column_of(texts: list[str], names: tuple[str, ...]) -> int | None:
    for position, text in enumerate(texts):
        if any(name in text for name in names):
            return position
    return None


def aligned_cell(header: list[Cell], row: list[Cell], column: int) -> Cell | None:
    index = column + (len(row) - len(header))
    return row[index] if 0 <= index < len(row) else None


# --- all scalar fields ------------------------------------------------------------------


class RuleFindings(BaseModel):
    candidates: dict[str, list[Candidate]]
    inferred: set[str]
    execution_score: Decimal | None = None  # the 得分 of the budget-execution row


def execution_score(ctx: RuleContext) -> Decimal | None:
    """The score a self-evaluation table gives budget execution, outside the indicators."""
    for entry in ctx.index:
        in_row = any(word in entry.row_label for word in load_words().execution_rows)
        if entry.in_table and in_row and "得分" in entry.column_label:
            return strip_zeros(entry.value)
    return None


def run_rules(catalog: Catalog, ctx: RuleContext) -> RuleFindings:
    candidates: dict[str, list[Candidate]] = {}
    inferred: set[str] = set()
    years, year_inferred = fiscal_year_candidates(ctx)
    candidates["fiscal_year"] = years
    if year_inferred:
        inferred.add("fiscal_year")
    ctx.fiscal_year = years[0].value if years else None
    kinds, kind_inferred = report_kind_candidates(ctx)
    candidates["report_kind"] = kinds
    if kind_inferred:
        inferred.add("report_kind")
    ctx.report_kind = kinds[0].value if kinds and not kind_inferred else None
    candidates["unit_name"] = unit_name_candidates(ctx)
    candidates.update(goal_candidates(ctx))
    words = load_words()
    for path in words.filing_patterns:
        candidates[path] = pattern_candidates(path, ctx)
    for path, patterns in words.filing_inferred_patterns.items():
        if not candidates.get(path):
            candidates[path] = pattern_candidates(path, ctx, patterns)
            if candidates[path]:
                inferred.add(path)
    for spec in catalog.fields:
        if spec.path not in candidates:
            candidates[spec.path] = numeric_candidates(spec, ctx) if spec.numeric else []
        if not candidates[spec.path] and spec.fallback is not None and spec.numeric:
            wider = spec.model_copy(
                update={"labels": spec.fallback.labels, "not_labels": spec.fallback.not_labels}
            )
            candidates[spec.path] = numeric_candidates(wider, ctx)
            if candidates[spec.path]:
                inferred.add(spec.path)
    return RuleFindings(
        candidates=candidates,
        inferred=inferred,
        execution_score=execution_score(ctx),
    )


def same_value(a: Any, b: Any) -> bool:
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        try:
            return Decimal(str(a)) == Decimal(str(b))
        except ArithmeticError:
            return False
    if isinstance(a, str) and isinstance(b, str):
        return squash(a) == squash(b)
    return a == b
