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

from jixiao.catalog import Catalog, FieldKind, FieldSpec, load_catalog
from jixiao.core import Block, BlockKind, Candidate, Cell, Origin, Section
from jixiao.evidence import evidence_of, squash
from jixiao.figures import strip_zeros
from jixiao.normalize import is_chrome_line
from jixiao.numbers import IndexedNumber
from jixiao.patterns import (
    SENTENCE_OR_LINE_END_RE,
    YEAR,
    FoldedView,
    fold_for_matching,
    folded_view,
)
from jixiao.segment import heading_style
from jixiao.words import load_words

logger = logging.getLogger(__name__)

OCR_FUZZY_MIN_CHARS = 5
UNIT_NAME_MIN_CHARS = 4
TITLE_LINE_MIN_CHARS = 4  # a first title line names at least a unit or a year
TITLE_CONTINUATION_MAX_LEAD = 6
CHROME_REACH = 30  # how far before a label portal metadata makes it the page's label
FILING_NOT_AFTER_CHARS = 40  # how far before a filing value `not_after` words count
COUNT_UNITS = ["人", "名"]  # a count field's units unless the catalog names its own


class RuleContext(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    text: str
    index: list[IndexedNumber]
    blocks: list[Block]
    sections: list[Section]
    fiscal_year: int | None = None
    report_kind: str | None = None  # as the title states it; None when not known
    ocr: bool = False  # text came from OCR: key words may carry one misread character

    @property
    def tables(self) -> list[Block]:
        return [b for b in self.blocks if b.kind is BlockKind.TABLE]


def mentions(label: str, alias: str) -> bool:
    """Whether a label states a wording; on the label's folded view, so that a mirror's
    `年度資金總額` or `執(zhí)行數(shù)` is read like its simplified form."""
    label = fold_for_matching(label)
    if alias.startswith("re:"):
        return re.search(alias[3:], label) is not None
    return alias in label


def label_readings(label: str) -> list[str]:
    """The ways a prose label may name its figure: as printed; without a trailing
    function word (基本支出就 N, 支出共 N); and, when it chains two labels, the one next
    to the figure (政府性基金拨款:项目支出: N, glued cells of a form)."""
    readings = [label]
    tails = load_words().label_tails
    for reading in list(readings):
        for tail in tails:
            if reading.endswith(tail) and len(reading) > len(tail):
                readings.append(reading[: -len(tail)])
    for reading in list(readings):
        last = re.split(r"[：:]", reading)[-1].strip()
        if last and last != reading:
            readings.append(last)
    return list(dict.fromkeys(readings))


def label_fits(
    spec: FieldSpec,
    entry: IndexedNumber,
    fiscal_year: int | None,
    report_kind: str | None = None,
) -> bool:
    """Whether the words around a figure state this field.

    Look-alikes (`not`) are matched against the whole label, the row and, where the
    field's cell names any column, the column header (a 计划 column is not the actual).
    """
    not_labels, sentence_not = spec.look_alikes(report_kind)
    if any(mentions(entry.sentence, word) for word in sentence_not):
        return False
    if entry.label:
        if any(mentions(entry.label, n) for n in not_labels):
            return False
        return any(
            mentions(reading, alias)
            for reading in label_readings(entry.label)
            for alias in spec.labels_for(report_kind)
        )
    if not entry.in_table:
        return False
    for row_alias, column_alias in spec.cells:
        if "{year}" in row_alias + column_alias:
            if fiscal_year is None:
                continue
            row_alias = row_alias.replace("{year}", str(fiscal_year))
            column_alias = column_alias.replace("{year}", str(fiscal_year))
        row_label = fold_for_matching(entry.row_label)
        column_label = fold_for_matching(entry.column_label)
        row_fits = not row_alias or row_alias in row_label
        column_fits = not column_alias or column_alias in column_label
        looks_alike = any(mentions(entry.row_label, n) for n in not_labels) or (
            not column_alias and any(mentions(entry.column_label, n) for n in not_labels)
        )
        if row_fits and column_fits and not looks_alike:
            return True
    return False


def kind_fits(spec: FieldSpec, entry: IndexedNumber) -> bool:
    """Whether a figure is of the field's kind and states a value (not a threshold
    such as 未达到90% or ≥95%, nor a constant of a formula such as (B/A×100%))."""
    if entry.in_formula:
        return False
    match spec.kind:
        case FieldKind.MONEY:
            return entry.kind == "money"
        case FieldKind.PERCENT:
            return entry.kind == "percent" and entry.comparator is None
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
    """Index entries whose label and kind fit the field.

    Parts never stand beside their whole: a figure of an enumerated sub-item (①…, 其中:1.…)
    counts only when the field is stated nowhere outside such items, and a figure after
    其中 in the sentence of another figure of the same field is a part of it.
    """
    found = [
        e
        for e in ctx.index
        if kind_fits(spec, e) and label_fits(spec, e, ctx.fiscal_year, ctx.report_kind)
    ]
    if any(not e.item for e in found):
        found = [e for e in found if not e.item]
    found = [e for e in found if not _part_of(e, found, ctx.text)]
    if spec.part_of is not None:
        found = [e for e in found if not _part_of_another_whole(spec.part_of, e, ctx)]
    if spec.pick == "last_in_row":
        last: dict[str, IndexedNumber] = {}
        for entry in found:
            key = entry.row_key or str(entry.start)
            last[key] = entry
        found = sorted(last.values(), key=lambda e: e.start)
    return found


def _part_of(entry: IndexedNumber, found: list[IndexedNumber], text: str) -> bool:
    """Whether a prose figure follows 其中 in the sentence of an earlier figure of the
    same field (支出 N 万元，其中 … M 万元: M is a part of N)."""
    if entry.in_table:
        return False
    for whole in found:
        if whole.in_table or whole.end > entry.start:
            continue
        between = text[whole.end : entry.start]
        if SENTENCE_OR_LINE_END_RE.search(between.replace("；", "").replace(";", "")):
            continue
        if any(word in between for word in load_words().part_words):
            return True
    return False


def _part_of_another_whole(whole_path: str, entry: IndexedNumber, ctx: RuleContext) -> bool:
    """Whether a prose figure comes after 其中 (in its own clause) whose nearest money
    figure before it on its line (a year-on-year change aside) states another whole:
    支出 N 万元…其中：工资福利支出 M 万元 breaks down the total, not 基本支出."""
    if entry.in_table:
        return False
    line_start = ctx.text.rfind("\n", 0, entry.start) + 1
    before = ctx.text[line_start : entry.start]
    at = max(before.rfind(word) for word in load_words().part_words)
    if at < 0 or SENTENCE_OR_LINE_END_RE.search(before[at:]):
        return False
    anchor = line_start + at
    earlier = [
        e
        for e in ctx.index
        if line_start <= e.start and e.end <= anchor and e.kind == "money" and not e.in_table
    ]
    words = load_words()
    stated = [e for e in earlier if not any(w in e.label for w in words.change_words)]
    if not stated:
        return False
    last = stated[-1]
    catalog = load_catalog()

    def fits(path: str) -> bool:
        spec = catalog.field(path)
        return kind_fits(spec, last) and label_fits(spec, last, ctx.fiscal_year, ctx.report_kind)

    # Only a figure known to be another whole makes the parts its own; an unlabelled one
    # (a misprinted 基本支) leaves them to the field.
    return not fits(whole_path) and any(fits(path) for path in words.wholes if path != whole_path)


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


# --- title, report kind, unit name, fiscal year ----------------------------------------
# Matched on the folded view of the report's head (simplified characters, ASCII
# punctuation, no pinyin glosses); every value and evidence span is the printed text.

_BOUNDARY = ",;:|。；》《"
BODY_HEADING_STYLES = ("cn", "cn_paren")


class Title(BaseModel):
    """A report's title as found: its printed span, its folded text, and the title lines'
    end (where a subtitle may follow)."""

    start: int
    end: int
    folded: str
    view_start: int  # where the title starts in the head's folded view
    lines_end: int  # index of the last head line the title uses
    first: bool  # the first title of the head (later ones may list other reports)


class Head(BaseModel):
    """The beginning of a report in its folded view, cut into lines."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    view: FoldedView
    lines: list[tuple[int, int]]  # spans of the view's non-blank lines
    chrome: list[bool]

    def printed(self, start: int, end: int) -> tuple[int, int]:
        return self.view.span(start, end)


def read_head(ctx: RuleContext, past_body_heading: bool = False) -> Head:
    """The report's head: its beginning up to the first body heading (一、 / (一)), where
    a title, its year and the unit's cover cells stand (with `past_body_heading`, the
    same length of text whatever headings it holds: a 基本情况 table's cells)."""
    body = next(
        (
            b.start
            for b in ctx.blocks
            if b.kind is BlockKind.HEADING
            and heading_style(ctx.text[b.start : b.end]) in BODY_HEADING_STYLES
            and not past_body_heading
        ),
        len(ctx.text),
    )
    text = ctx.text[: min(body, load_words().head_chars)]
    view = folded_view(text)
    lines: list[tuple[int, int]] = []
    offset = 0
    for raw in view.text.split("\n"):
        if raw.strip():
            lines.append((offset, offset + len(raw)))
        offset += len(raw) + 1
    chrome = [is_chrome_line(view.text[a:b]) for a, b in lines]
    return Head(view=view, lines=lines, chrome=chrome)


def _phrase_start(line: str, at: int) -> int:
    """Where the phrase holding `at` starts: after the last boundary before it."""
    before = line[:at]
    cut = max(before.rfind(c) for c in _BOUNDARY)
    return cut + 1


def find_titles(head: Head, limit: int = 3) -> list[Title]:
    """Titles in the head found by what they say (绩效 … 报告/自评表), not where they
    stand: chrome is skipped (a title glued to its portal's 发布时间 is read up to it), a
    title may sit in a table row, follow a label (名称:, 附件1.) or go on to the next line."""
    titles: list[Title] = []
    index = 0
    while index < len(head.lines) and len(titles) < limit:
        line_start, _ = head.lines[index]
        line = _report_part(head, index)
        label = load_words().title_label_prefix.match(line)
        body_at = label.end() if label else 0
        found = _title_in_line(line, body_at)
        if found is not None:
            phrase, end = found
            titles.append(_title(head, line_start + phrase, line_start + end, index, not titles))
        elif (
            index + 1 < len(head.lines) and not head.chrome[index] and _opens_title(line[body_at:])
        ):
            following = _report_part(head, index + 1)
            joined = _title_in_line(following, 0)
            if joined is not None and _continues_title(following, joined[0]):
                next_start, _ = head.lines[index + 1]
                end = next_start + joined[1]
                titles.append(_title(head, line_start + body_at, end, index + 1, not titles))
                index += 1
        index += 1
    return titles


def _report_part(head: Head, index: int) -> str:
    """A head line up to where portal chrome starts on it ("" for a chrome line)."""
    start, end = head.lines[index]
    line = head.view.text[start:end]
    if not head.chrome[index]:
        return line
    words = load_words()
    if words.wrappers.search(line):
        return ""
    chrome = words.chrome.search(line)
    return line[: chrome.start()] if chrome else line


def _opens_title(line: str) -> bool:
    """A first title line broken before its end: short, with no sentence punctuation."""
    body = line.strip(" |")
    return TITLE_LINE_MIN_CHARS <= len(body) <= 40 and not any(c in body for c in _BOUNDARY)


def _continues_title(line: str, phrase: int) -> bool:
    """A second title line: its title starts the line with at most a few words (项目,
    整体支出) before 绩效, not a title of its own with a name or a year."""
    match = load_words().title.search(line, phrase)
    lead = line[: match.start()].strip(" |") if match else line
    return len(lead) <= TITLE_CONTINUATION_MAX_LEAD and not re.search(r"\d", lead)


def _title_in_line(line: str, body_at: int) -> tuple[int, int] | None:
    """(phrase start, title end) of the first title in one line, if any."""
    for match in load_words().title.finditer(line, body_at):
        phrase = max(_phrase_start(line, match.start()), body_at)
        leading = line[body_at:phrase].strip(" |")
        end = match.end()
        year = load_words().title_year_suffix.match(line, end)
        if year:
            end = year.end()
        after = line[end:].lstrip(" ")
        spaced = line[end : end + 1].isspace()
        # A title ends its line or its cell; one at a line's start may run into glued
        # cells, but a sentence goes on after a comma.
        ends_phrase = year is not None or not after or spaced or after[0] in "(|《"
        at_line_start = not leading and after[:1] not in tuple(",;。:")
        if (at_line_start or ends_phrase) and match.start() - phrase <= 60:
            while phrase < match.start() and line[phrase] in " |":
                phrase += 1
            return phrase, end
    return None


def _title(head: Head, start: int, end: int, last_line: int, first: bool) -> Title:
    printed = head.printed(start, end)
    return Title(
        start=printed[0],
        end=printed[1],
        folded=head.view.text[start:end],
        view_start=start,
        lines_end=last_line,
        first=first,
    )


def _year_in(text: str) -> re.Match[str] | None:
    for pattern in load_words().title_years:
        match = pattern.search(text)
        if match:
            return match
    return None


def _year_candidate(
    ctx: RuleContext, head: Head, view_start: int, match: re.Match[str]
) -> Candidate:
    group = "y" if match.group("y") else "z"
    start, end = head.printed(view_start + match.start(group), view_start + match.end(group))
    return _candidate(int(match.group(group).replace(" ", "")), ctx.text, start, end)


def fiscal_year_candidates(ctx: RuleContext) -> tuple[list[Candidate], bool]:
    """The year evaluated, from the title, the `(2021年度)` line under it, or a form's
    `评价年度:` line; else the commonest year in the funds figures' labels (second value:
    True when read unsurely: that fallback, or a year split by a space). Chrome lines
    (publishing, filing and page dates) never give it."""
    words = load_words()
    head = read_head(ctx)
    titles = find_titles(head)
    for title in titles[:1]:
        found = _year_in(title.folded)
        if found:
            return [_year_candidate(ctx, head, title.view_start, found)], False
        spaced = words.spaced_year.search(title.folded)
        if spaced:
            return [_year_candidate(ctx, head, title.view_start, spaced)], True
        for line_no in range(title.lines_end + 1, min(title.lines_end + 4, len(head.lines))):
            if head.chrome[line_no]:
                continue
            start, end = head.lines[line_no]
            found = words.subtitle_year.search(head.view.text[start:end])
            if found:
                return [_year_candidate(ctx, head, start, found)], False
    for line_no, (start, end) in enumerate(head.lines):
        if head.chrome[line_no]:
            continue
        for pattern in words.year_lines:
            found = pattern.search(head.view.text[start:end])
            if found:
                return [_year_candidate(ctx, head, start, found)], False
    return _commonest_year(ctx)


def _commonest_year(ctx: RuleContext) -> tuple[list[Candidate], bool]:
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


def _name_after(head: Head, at: int, ctx: RuleContext) -> Candidate | None:
    """The unit name printed after a label ending at view offset `at`: across ":", "|",
    white space, a line break and (盖章); up to the next label, a separator or a figure."""
    words = load_words()
    view = head.view.text
    match = re.compile(r"[\s:|]*(?:\([公盖]章\))?[\s:|]*").match(view, at)
    start = match.end() if match else at
    code = words.name_code.match(view, start)
    if code:
        start = code.end()
    end = start
    while end < len(view) and end - start < 40 and view[end] not in "\n|\t,;。(":
        end += 1
    name = view[start:end]
    for stop in words.name_stops:
        cut = name.find(stop, 1)
        if cut > 0:
            name = name[:cut]
    name = name.split(" ")[0]
    digit = re.search(r"\d", name)
    if digit:
        name = name[: digit.start()]
    if len(name) < UNIT_NAME_MIN_CHARS or not words.org_suffix.search(name):
        return None
    if any(word in name for word in words.name_not) or name[0] in words.name_not_first:
        return None
    printed = head.printed(start, start + len(name))
    return _candidate(ctx.text[printed[0] : printed[1]], ctx.text, *printed)


def _labelled_names(
    head: Head, labels: tuple[re.Pattern[str], ...], ctx: RuleContext, portal: bool = False
) -> list[Candidate]:
    """Names after the first of `labels` (in order) that gives any; outside chrome unless
    the labels are the portal's own."""
    for label in labels:
        found = [
            name
            for match in label.finditer(head.view.text)
            if (portal or not _after_chrome(head, match.start()))
            and (name := _name_after(head, match.end(), ctx)) is not None
        ]
        if found:
            return found
    return []


def _after_chrome(head: Head, at: int) -> bool:
    """Whether portal chrome stands just before `at` on its line (a label of the page's
    metadata rather than of the report)."""
    line_start = head.view.text.rfind("\n", 0, at) + 1
    window = head.view.text[max(line_start, at - CHROME_REACH) : at]
    words = load_words()
    return bool(words.chrome.search(window) or words.wrappers.search(window))


def _short_form(short: str, full: str) -> bool:
    """Whether `short` is an abbreviation of `full` (文旅局 of 文化和旅游局): same start
    and end, its characters in order inside the longer name."""
    short, full = fold_for_matching(short), fold_for_matching(full)
    if len(short) >= len(full) or short[:2] != full[:2] or short[-1] != full[-1]:
        return False
    rest = iter(full)
    return all(char in rest for char in short)


def _title_name(head: Head, title: Title, ctx: RuleContext) -> Candidate | None:
    """The unit a title names before its year (or before its kind words)."""
    words = load_words()
    text = title.folded
    lead = re.match(rf"\s*(?:{YEAR})\s*年度?\s*", text)
    begin = lead.end() if lead else 0
    stops = [text.find(w, begin) for w in (*words.unit_kind_words, "绩效")]
    year = re.search(rf"(?:{YEAR})\s*年?", text[begin:])
    if year:
        stops.append(begin + year.start())
    end = min((s for s in stops if s > begin), default=len(text))
    name = words.title_name_tail.sub("", text[begin:end].rstrip()).rstrip()
    if len(name) < UNIT_NAME_MIN_CHARS or not words.org_suffix.search(name):
        return None
    if any(word in name for word in words.name_not):
        return None
    view_start = title.view_start + text.index(name, begin)
    start, end_printed = head.printed(view_start, view_start + len(name))
    return _candidate(ctx.text[start:end_printed], ctx.text, start, end_printed)


# A name that starts with its level (县司法局, 区财政局) leaves out the place it belongs to.
_PLACELESS_NAME = re.compile(r"^(?:省|市|州|县|区|旗|镇|乡)")
PLACE_MIN_CHARS, PLACE_MAX_CHARS = 2, 4


def _with_its_place(name: str, ctx: RuleContext) -> Candidate | None:
    """The name printed with its place in front (某某县司法局 for a title's 县司法局), when
    the title gives the unit without it and the report prints the full form. The place is
    the run of characters before the name that the report most often puts before the
    level word (某某 in 某某县…), the shortest on a tie."""
    if not _PLACELESS_NAME.match(name):
        return None
    level = name[0]
    best: tuple[int, int, int] | None = None  # (-count, length, start)
    for match in re.finditer(re.escape(name), ctx.text):
        for size in range(PLACE_MIN_CHARS, PLACE_MAX_CHARS + 1):
            start = match.start() - size
            place = ctx.text[max(0, start) : match.start()]
            if start < 0 or not all("\u4e00" <= c <= "\u9fff" for c in place):
                break
            score = (-ctx.text.count(place + level), size, start)
            if best is None or score < best:
                best = score
    if best is None or -best[0] < 2:  # a place the report names once is no evidence
        return None
    start = best[2]
    end = ctx.text.index(name, start)
    return _candidate(ctx.text[start : end + len(name)], ctx.text, start, end + len(name))


def shorter_form(other: Any, chosen: Any) -> bool:
    """Whether `other` is `chosen` or a shorter way of writing the same name: equal once
    the usual long forms are shortened (南县政府办公室 for 南县人民政府办公室), or its tail
    without the place (县司法局 for 某某县司法局). Only the full name is chosen without a
    conflict; a short form chosen beside its full name stays in conflict."""
    if same_value(other, chosen):
        return True
    if not isinstance(other, str) or not isinstance(chosen, str):
        return False

    def short(text: str) -> str:
        text = squash(text)
        for long_form, short_form in load_words().name_short_forms:
            text = text.replace(long_form, short_form)
        return text

    mine, theirs = short(chosen), short(other)
    if len(squash(other)) > len(squash(chosen)):
        return False
    return mine == theirs or (
        len(theirs) >= UNIT_NAME_MIN_CHARS and mine.endswith(theirs)
    )


def unit_name_candidates(ctx: RuleContext) -> tuple[list[Candidate], bool]:
    """The evaluated unit's name as printed (second value: True when only inferred).

    Stated: a labelled cell or line (部门(单位)名称, 实施单位, 资金使用单位 …, the most
    telling label first), else the report's own (first) title. Inferred (flagged): a
    later title's name, the 主管部门 cell when nothing else names the unit, or the
    publisher of a portal page.
    """
    words = load_words()
    head = read_head(ctx)
    titles = find_titles(head, limit=1)
    from_title = _title_name(head, titles[0], ctx) if titles else None
    stated = _labelled_names(head, words.name_labels, ctx)
    supervisor = _labelled_names(head, words.supervisor_labels, ctx)
    body_cells = (
        _labelled_names(read_head(ctx, past_body_heading=True), words.name_labels, ctx)
        if not stated
        else []
    )
    if stated:
        # A cell that abbreviates the name another cell or the title prints in full
        # names the same unit; the full name is kept, but only as an inference.
        fuller = [
            other
            for other in [*supervisor, *([from_title] if from_title else [])]
            if _short_form(str(stated[0].value), str(other.value))
        ]
        if fuller:
            return fuller[:1], True
        agreeing = (
            [from_title]
            if from_title and any(same_value(from_title.value, c.value) for c in stated)
            else []
        )
        return [*stated, *agreeing], False
    if from_title is not None and body_cells:
        # A name cell in the body (a 基本情况 table) that agrees with the title, or that
        # abbreviates it, names the same unit; one naming another body (a parent
        # government, a sub-unit) leaves the unit in doubt: both are kept, a conflict.
        title_name = str(from_title.value)
        if any(
            shorter_form(c.value, title_name) or _short_form(str(c.value), title_name)
            for c in body_cells
        ):
            return [from_title], False
        return [from_title, *body_cells[:1]], True
    if from_title is not None:
        fuller_name = _with_its_place(str(from_title.value), ctx)
        if fuller_name is not None:
            return [fuller_name], True
        # The report's own title states its unit; a later title (one of several reports
        # listed) only suggests it.
        return [from_title], not titles[0].first
    if supervisor:
        return supervisor[:1], True
    portal = _labelled_names(head, words.portal_labels, ctx, portal=True)
    return portal[:1], bool(portal)


def report_kind_candidates(ctx: RuleContext) -> tuple[list[Candidate], bool]:
    """unit / project from the title's words (second value: True when only inferred:
    from a later title, a whole heading such as 项目基本情况, or a form's first cell)."""
    words = load_words()
    head = read_head(ctx)
    for title in find_titles(head):
        for kind_words, kind in (
            (words.unit_kind_words, "unit"),
            (words.project_kind_words, "project"),
        ):
            for word in kind_words:
                at = title.folded.find(word)
                if at >= 0:
                    start, end = head.printed(
                        title.view_start + at, title.view_start + at + len(word)
                    )
                    return [_candidate(kind, ctx.text, start, end)], not title.first
    hint = _kind_from_headings(ctx)
    if hint is not None:
        return [hint], True
    for line_no, (start, end) in enumerate(head.lines):
        line = head.view.text[start:end].lstrip(" |\t")
        lead = len(head.view.text[start:end]) - len(line)
        for pattern, kind in ((words.unit_forms, "unit"), (words.project_forms, "project")):
            found = pattern.search(line)
            if found and not head.chrome[line_no]:
                a, b = head.printed(start + lead + found.start(), start + lead + found.end())
                return [_candidate(kind, ctx.text, a, b)], True
    return [], False


_HEADING_NUMBER = re.compile(r"^\s*(?:[(]?[一二三四五六七八九十\d]{1,3}[)、.]?)?\s*")


def _kind_from_headings(ctx: RuleContext) -> Candidate | None:
    """The first heading that is, as a whole, a unit or a project heading."""
    words = load_words()
    for block in ctx.blocks:
        if block.kind is not BlockKind.HEADING:
            continue
        raw = ctx.text[block.start : block.end]
        view = folded_view(raw).text
        bare = _HEADING_NUMBER.sub("", view, count=1)
        bare = re.sub(r"[\s|:。]+", "", bare)
        for hints, kind in ((words.unit_kind_hints, "unit"), (words.project_kind_hints, "project")):
            if bare in hints or (ctx.ocr and any(_near(bare, h) for h in hints)):
                return _candidate(kind, ctx.text, block.start, block.end)
    return None


def _near(text: str, hint: str) -> bool:
    """One misread character in OCR text (same length, one substitution)."""
    return len(text) == len(hint) and sum(a != b for a, b in zip(text, hint, strict=True)) <= 1


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

    The patterns run on the text's matching view (pinyin glosses removed, traditional
    folded), so that a mirror's `報(bào)告日期` reads like `报告日期`; the values are the
    printed text, their spans mapped back.
    """
    words = load_words()
    if patterns is None:
        patterns = words.filing_patterns.get(path, ())
    someone_else = words.filing_not_after.get(path)
    folded = folded_view(ctx.text)
    view = folded.text
    found: list[Candidate] = []
    for pattern in patterns:
        for m in pattern.finditer(view):
            before = view[max(0, m.start() - FILING_NOT_AFTER_CHARS) : m.start()]
            if someone_else is not None and someone_else.search(before):
                continue
            start, end = folded.span(m.start("v"), m.end("v"))
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
    # Look-alikes that depend on the kind of report drop only when the title says it.
    ctx.report_kind = kinds[0].value if kinds and not kind_inferred else None
    names, name_inferred = unit_name_candidates(ctx)
    candidates["unit_name"] = names
    if name_inferred:
        inferred.add("unit_name")
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
