"""Number index: normalized text -> every figure in it, with its label context.

In: the normalized text and its table blocks (from segment).
Out: one `IndexedNumber` per figure printed in the text: exact value, unit and kind,
span, and its label context — the words before it in its clause (prose), or its row and
column headers (table cells), and the sentence around it. Grounding and the rules read
fields from this index; nothing here knows about fields.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from jixiao.figures import (
    FIGURE_RE,
    MONEY_UNITS_IN_WANYUAN,
    PERCENT_UNITS,
    SCORE_UNITS,
    UNITS_PATTERN,
    Figure,
    parse_figure,
    to_wanyuan,
)
from jixiao.forms import MONEY_COLUMNS, FormCell, FormRow, load_form_words, read_forms
from jixiao.patterns import (
    DATE_RE,
    SENTENCE_END_CHARS,
    SENTENCE_OR_LINE_END_RE,
    YEAR,
    YEAR_WORD_RE,
)
from jixiao.words import load_words

logger = logging.getLogger(__name__)


class NumberKind(StrEnum):
    """What a printed figure is, by its unit (or the unit its table or column gives it)."""

    MONEY = "money"
    PERCENT = "percent"
    COUNT = "count"
    SCORE = "score"
    YEAR = "year"
    DATE = "date"
    PLAIN = "plain"  # no unit printed or inherited


# List markers: "1.工资福利支出", "2、", and "1.2024年…" (a marker glued to a year).
_LIST_MARKER_RE = re.compile(
    rf"(?:^|(?<=[\n。；;：:\t]))[ \u3000]*\d{{1,2}}(?:[.、．](?!\d)|[.、](?={YEAR}年))"
)
_SPACED_FIGURE_RE = re.compile(
    rf"(?<![\d.,])(?P<num>\d+(?: \. ?| ?\. )\d+|\d{{1,3}}(?: \d{{3}})+(?:\.\d+)?)"
    rf"\s*(?=(?:{UNITS_PATTERN}))"
)
_LABEL_BOUNDARY = re.compile(r"[，,。；;！？!?\n、]|[ \u3000]{2,}")
_LABEL_NOISE = re.compile(
    r"^(?:其中[：:]?|[\s：:，,、“”\"]|\d{1,2}[.、．]|[（(]\d{1,2}[）)]|[一二三四五六七八九十]+[、是])+"
)
# An enumeration marker inside a sentence (分别为①…；②…, 其中：1.…2.…): the figures after
# it are sub-items of what the sentence began with.
_ITEM_MARKER_RE = re.compile(
    r"[\u2460-\u249b]|[（(]\d{1,2}[）)]"
    rf"|(?<![^：:；;，,。！？!?\n])[ \u3000]*\d{{1,2}}(?:[.、．](?!\d)|[.、](?={YEAR}年))"
)
_ITEM_SENTENCE_END_RE = re.compile(r"[。！？!?\n]")
# Operators of a formula printed beside a figure: (B/A×100%), (20分*执行率).
_FORMULA_OPERATORS = "×*/÷＊／"
LABEL_MAX_CHARS = 40
FIGURE_TAIL_CHARS = 16  # a figure's unit and qualifiers stand within this many characters
_UNIT_AFTER_RE = re.compile(rf"\s*({UNITS_PATTERN})")
LINE_ABOVE_MAX_CHARS = 20
# A line that is a figure (or a cell garbled into digits and separators), nothing else.
_FIGURE_LINE_RE = re.compile(rf"[\d.,%\-—\s]+(?:{UNITS_PATTERN})?")
# Numbered headings ("一、", "(二)", "1.") label sections, not the figure below them.
_HEADING_RE = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[）)]|\d+[、.．])"
)
INHERIT_MAX_CELL_CHARS = 30  # only short cells take the table's unit
TABLE_UNIT_RE = re.compile(
    rf"[（(]\s*(?:单位\s*[：:]\s*)?(?P<unit>{UNITS_PATTERN}|㎡)\s*[）)]|单位\s*[：:]\s*(?P<unit2>万元|元|千元|亿元)"
)


@dataclass(slots=True)
class IndexedNumber:
    """One figure printed in the text (one per figure: a plain dataclass, not a model)."""

    start: int
    end: int
    text: str
    value: Decimal
    unit: str | None = None
    unit_printed: bool = False
    kind: NumberKind = NumberKind.PLAIN
    comparator: str | None = None
    qualifier: str | None = None
    label: str = ""  # prose: the words before it in its clause; cells: in-cell words
    row_label: str = ""
    column_label: str = ""
    in_table: bool = False
    row_key: str = ""  # "<table start>:<row number>" for table cells
    sentence: str = ""  # the whole sentence (or cell) around the figure, figure removed
    item: bool = False  # in an enumerated sub-item of its sentence (①…, 其中：1.…)
    in_formula: bool = False  # a constant of a formula (B/A×100%), not a stated figure

    @property
    def wanyuan(self) -> Decimal | None:
        return to_wanyuan(self.value, self.unit) if self.kind == "money" and self.unit else None

    @property
    def context(self) -> str:
        """Every label wording that describes this figure, for alias matching."""
        return " ".join(part for part in (self.label, self.row_label, self.column_label) if part)


def kind_of(unit: str | None, value: Decimal) -> NumberKind:
    if unit in MONEY_UNITS_IN_WANYUAN:
        return NumberKind.MONEY
    if unit in PERCENT_UNITS:
        return NumberKind.PERCENT
    if unit in SCORE_UNITS:
        return NumberKind.SCORE
    if unit is not None:
        return NumberKind.COUNT
    return NumberKind.PLAIN


def _figures_in(text: str, start: int, end: int) -> list[tuple[int, int, Figure]]:
    """(start, end, figure) for every figure in text[start:end], dates and years first."""
    # Which characters a figure (or a list marker) already holds: a figure found by a
    # later pattern must not overlap one found before (linear in the text, not in pairs).
    occupied = bytearray(end - start)
    found: list[tuple[int, int, Figure]] = []

    def free(a: int, b: int) -> bool:
        return not any(occupied[a - start : b - start])

    class _Taken:
        def append(self, span: tuple[int, int]) -> None:
            a, b = span
            occupied[a - start : b - start] = b"\x01" * (b - a)

    taken = _Taken()
    for match in _LIST_MARKER_RE.finditer(text, start, end):
        taken.append((match.start(), match.end()))
    for match in DATE_RE.finditer(text, start, end):
        if free(match.start(), match.end()) and not YEAR_WORD_RE.fullmatch(match.group(0)):
            found.append(
                (
                    match.start(),
                    match.end(),
                    Figure(value=Decimal(0), unit="date", text=match.group(0)),
                )
            )
            taken.append((match.start(), match.end()))
    for match in YEAR_WORD_RE.finditer(text, start, end):
        if free(match.start(1), match.end(1)):
            stop = text.index("年", match.end(1)) + 1
            found.append(
                (
                    match.start(1),
                    stop,
                    Figure(value=Decimal(match.group(1)), unit="year", text=match.group(1)),
                )
            )
            taken.append((match.start(1), stop))
    for match in _SPACED_FIGURE_RE.finditer(text, start, end):
        if free(match.start(), match.end()):
            window = text[match.start() : min(end, match.end() + FIGURE_TAIL_CHARS)]
            figure = parse_figure(window.replace(" ", "", match.group(0).count(" ")))
            if figure is not None:
                unit_match = _UNIT_AFTER_RE.match(text, match.end(), end)
                stop = unit_match.end() if unit_match else match.end()
                found.append((match.start(), stop, figure))
                taken.append((match.start(), stop))
    for match in FIGURE_RE.finditer(text, start, end):
        a, b = match.start("num"), match.start() + len(match.group(0).rstrip())
        if match["cmp"]:
            a = match.start("cmp")
        if not free(a, b) or (a > 0 and text[a - 1].isascii() and text[a - 1].isalpha()):
            continue
        figure = parse_figure(text[a:b])
        if figure is not None:
            found.append((a, b, figure))
            taken.append((a, b))
    return sorted(found, key=lambda item: item[0])


def prose_label(text: str, start: int, floor: int) -> str:
    """The words before a figure in its clause (a figure right after a colon takes the
    words before the colon)."""
    window_start = max(floor, start - LABEL_MAX_CHARS * 2)
    window = text[window_start:start]
    cut = max((m.end() for m in _LABEL_BOUNDARY.finditer(window)), default=0)
    label = window[cut:]
    if not _LABEL_NOISE.sub("", label.rstrip("：: ")).strip():
        before = window[:cut].rstrip()
        if label.strip().endswith(("：", ":")) or before.endswith(("：", ":")):
            label = (before + label).rstrip("：: ")
            cut2 = max((m.end() for m in _LABEL_BOUNDARY.finditer(label)), default=0)
            label = label[cut2:]
    label = _LABEL_NOISE.sub("", label.strip()).strip("：: ")
    return label[-LABEL_MAX_CHARS:]


def sentence_around(text: str, a: int, b: int, floor: int, ceiling: int) -> str:
    """The sentence holding text[a:b], without the figure itself."""
    before = max((m.end() for m in SENTENCE_OR_LINE_END_RE.finditer(text, floor, a)), default=floor)
    after_match = SENTENCE_OR_LINE_END_RE.search(text, b, ceiling)
    after = after_match.start() if after_match else ceiling
    return text[before:a] + " " + text[b:after]


def in_formula(text: str, a: int, b: int) -> bool:
    """Whether text[a:b] stands beside a formula operator (×100%, 20分*…)."""
    before = text[max(0, a - 3) : a].rstrip(" \u3000")
    after = text[b : b + 3].lstrip(" \u3000")
    return bool(before and before[-1] in _FORMULA_OPERATORS) or bool(
        after and after[0] in _FORMULA_OPERATORS
    )


def in_item(text: str, a: int, floor: int) -> bool:
    """Whether a prose figure is in an enumerated sub-item: after a marker inside its
    sentence (分别为①…；②…, 其中：1.…), or in a sentence that goes on such a numbering
    (…其中：1.…。2.… N万元)."""
    line_start = max(floor, text.rfind("\n", 0, a) + 1)
    in_list = False
    start = line_start
    while True:
        end_match = _ITEM_SENTENCE_END_RE.search(text, start, a)
        stop = end_match.start() if end_match else a
        markers = list(_ITEM_MARKER_RE.finditer(text, start, stop))
        inner = any(text[start : m.start()].strip(" \u3000\t") for m in markers)
        goes_on = bool(markers) and not text[start : markers[0].start()].strip(" \u3000\t")
        in_list = inner or (goes_on and in_list)
        if end_match is None:
            return in_list
        start = end_match.end()


def _entry(text: str, a: int, b: int, figure: Figure, **context) -> IndexedNumber:
    unit = figure.unit
    if unit == "date":
        kind = NumberKind.DATE
    elif unit == "year":
        kind = NumberKind.YEAR
    else:
        kind = kind_of(unit, figure.value)
    return IndexedNumber(
        start=a,
        end=b,
        text=text[a:b],
        value=figure.value,
        unit=unit,
        unit_printed=unit is not None,
        kind=kind,
        comparator=figure.comparator,
        qualifier=figure.qualifier,
        in_formula=in_formula(text, a, b),
        **context,
    )


def index_numbers(text: str, tables: list) -> list[IndexedNumber]:
    """Index every figure: table cells with row and column headers, prose with labels.

    `tables` are the table `Block`s from segment (cells carry spans into `text`).
    """
    entries: list[IndexedNumber] = []
    covered: list[tuple[int, int]] = []
    for table in tables:
        entries.extend(_index_table(text, table))
        covered.append((table.start, table.end))
    cursor = 0
    for table_start, table_end in [*sorted(covered), (len(text), len(text))]:
        entries.extend(_index_prose(text, cursor, table_start))
        cursor = max(cursor, table_end)
    return sorted(_apply_forms(text, entries), key=lambda e: e.start)


def _apply_forms(text: str, entries: list[IndexedNumber]) -> list[IndexedNumber]:
    """Give the figures of the self-evaluation forms' funds rows their row and column.

    A confirmed cell is written as a table cell of the row 年度资金总额 under its column
    (so the fields' `cells` match it); a glued run is replaced by its pieces. A cell the
    form does not confirm keeps its figure but loses any column a layout guess gave it.
    Figures inside a column header's parentheses (B/A×100%) are a formula, not data.
    """
    rows = read_forms(text)
    if not rows:
        return entries
    words = load_form_words()
    dropped: list[tuple[int, int]] = []
    added: list[IndexedNumber] = []
    for row in rows:
        dropped.extend(row.formula_spans)
        if row.glued and not row.cells:
            continue  # an unread glued run keeps the index's own reading
        dropped.extend(row.token_spans)
        sentence = text[row.row_start : row.end]
        for cell in row.cells:
            added.append(_form_entry(text, row, cell, words.row_label, sentence))
    kept = [e for e in entries if not any(a <= e.start < b for a, b in dropped)]
    return kept + added


def _form_entry(text: str, row: FormRow, cell: FormCell, row_label: str, sentence: str):
    if cell.percent:
        unit, kind = "%", NumberKind.PERCENT
    elif cell.column in MONEY_COLUMNS:
        unit, kind = row.unit, NumberKind.MONEY
    else:
        unit, kind = None, NumberKind.PLAIN
    printed = text[cell.start : cell.end]
    return IndexedNumber(
        start=cell.start,
        end=cell.end,
        text=printed,
        value=cell.value,
        unit=unit,
        unit_printed=printed.endswith("%"),
        kind=kind,
        row_label=row_label if cell.confirmed else "",
        column_label=cell.label,
        in_table=True,
        row_key=f"form:{row.row_start}",
        sentence=sentence.replace(printed, " ", 1),
    )


def _index_prose(text: str, start: int, end: int) -> list[IndexedNumber]:
    entries: list[IndexedNumber] = []
    previous_end = start
    for a, b, figure in _figures_in(text, start, end):
        line_start = text.rfind("\n", 0, a) + 1
        label = prose_label(text, a, max(previous_end, line_start, start))
        above = None if label else line_above_label(text, a, b, start)
        entry = _entry(
            text,
            a,
            b,
            figure,
            label=above or label,
            sentence=sentence_around(text, a, b, start, end),
            item=in_item(text, a, start),
        )
        if above:
            # A cell of a one-cell-per-line table: its label is the cell above it.
            entry.in_table, entry.row_label = True, above
            unit = _unit_in(above)
            if entry.unit is None and unit in MONEY_UNITS_IN_WANYUAN:
                entry.unit, entry.kind = unit, kind_of(unit, entry.value)
        entries.append(entry)
        if figure.unit != "year":
            previous_end = b
    return entries


def _lines_above(text: str, position: int, floor: int):
    """(start, stripped text) of the lines above `position`, nearest first, skipping blank
    lines and lines that are only cell rules ("|||")."""
    end = text.rfind("\n", floor, position)
    while end >= floor and end > 0:
        begin = text.rfind("\n", floor, end) + 1
        if begin <= floor and text[floor:end].strip(" \t|") == "" and floor > 0:
            return
        line = text[max(begin, floor) : end].strip(" \t\u3000|")
        if line:
            yield max(begin, floor), line
        if begin <= floor:
            return
        end = begin - 1


def line_above_label(text: str, a: int, b: int, floor: int) -> str | None:
    """The label of a figure that stands alone on its line (a cell of a table flattened to
    one cell per line, `人员编制 |⏎36 |` or `实际使用情况(万元)⏎⏎N`): the short text line
    right above it. None when the line above is long, holds a figure, ends a sentence or is
    a heading, or when the line above that is text too (a run of column headers, whose
    figures the forms reader places)."""
    line_start = text.rfind("\n", 0, a) + 1
    line_end = text.find("\n", b)
    line_end = len(text) if line_end < 0 else line_end
    if text[line_start:a].strip(" \t\u3000|") or text[b:line_end].strip(" \t\u3000|"):
        return None
    lines = _lines_above(text, line_start, floor)
    above = next(lines, None)
    if above is None:
        return None
    label = above[1].rstrip(":：").strip()
    bare = TABLE_UNIT_RE.sub("", label)
    if (
        not bare
        or len(label) > LINE_ABOVE_MAX_CHARS
        or re.search(r"\d", bare)
        or label.endswith(tuple(SENTENCE_END_CHARS))
        or _HEADING_RE.match(label)
    ):
        return None
    before = next(lines, None)
    if before is not None and _FIGURE_LINE_RE.fullmatch(before[1]) is None:
        return None
    return label


def _is_text_cell(cell_text: str) -> bool:
    stripped = cell_text.strip()
    return (
        bool(stripped)
        and FIGURE_RE.fullmatch(stripped) is None
        and stripped not in ("——", "—", "-")
    )


def _header_like(text: str, row: list) -> bool:
    """A header row: two or more text cells and no figure but years."""
    filled = [cell for cell in row if cell.text.strip()]
    if len(filled) < 2:
        return False
    for cell in filled:
        for _, _, figure in _figures_in(text, cell.start, cell.end):
            if figure.unit not in ("year", "date"):
                return False
    return True


def _aligned(header: list, row: list, column: int) -> int | None:
    index = column - (len(row) - len(header)) if len(header) != len(row) else column
    return index if 0 <= index < len(header) else None


def _unit_in(cell_text: str) -> str | None:
    match = TABLE_UNIT_RE.search(cell_text)
    if not match:
        return None
    return match["unit"] or match["unit2"]


def _index_table(text: str, table) -> list[IndexedNumber]:
    entries: list[IndexedNumber] = []
    headers: list[list] = []
    table_unit: str | None = None
    caption = text[max(0, text.rfind("\n", 0, max(0, table.start - 1))) : table.start]
    table_unit = _unit_in(caption)
    for row_number, row in enumerate(table.rows):
        texts = [cell.text for cell in row]
        header_like = _header_like(text, row)
        row_unit = next((u for u in map(_unit_in, texts) if u), None)
        for column, cell in enumerate(row):
            if not cell.text or cell.end <= cell.start:
                continue
            figures = _figures_in(text, cell.start, cell.end)
            if not figures:
                continue
            row_label = next(
                (
                    _LABEL_NOISE.sub("", t).strip()
                    for t in reversed(texts[:column])
                    if _is_text_cell(t)
                ),
                "",
            )
            column_label = ""
            for header in reversed(headers):
                index = _aligned(header, row, column)
                if index is not None and _is_text_cell(header[index]):
                    column_label = header[index]
                    break
            column_unit = _unit_in(column_label)
            for a, b, figure in figures:
                label = prose_label(text, a, cell.start)
                # A cell that labels its own figure ("一般公共预算：80.25") is read like
                # prose; the header above it belongs to another layout.
                own_column = "" if label else column_label
                entry = _entry(
                    text,
                    a,
                    b,
                    figure,
                    label=label,
                    row_label=row_label,
                    column_label=own_column,
                    in_table=True,
                    row_key=f"{table.start}:{row_number}",
                    sentence=sentence_around(text, a, b, cell.start, cell.end),
                )
                short_cell = len(cell.text) <= INHERIT_MAX_CELL_CHARS
                if not entry.unit_printed and entry.kind == "plain" and short_cell:
                    inherited = column_unit or row_unit or table_unit
                    non_money = any(word in own_column for word in load_words().non_money_headers)
                    if non_money and inherited in MONEY_UNITS_IN_WANYUAN:
                        inherited = None
                    if inherited and inherited != "㎡":
                        entry.unit = inherited
                        entry.kind = kind_of(inherited, entry.value)
                entries.append(entry)
        if header_like:
            headers.append(texts)
            table_unit = row_unit or table_unit
    return entries
