"""Forms: normalized text -> the funds rows of the national self-evaluation forms.

In: the normalized text of a report.
Out: one `FormRow` per funds row (年度资金总额 …) of a 项目支出 / 部门整体支出 / 转移支付
绩效自评表 found in it, however the form was flattened — one cell per line, cells between
`|`, cells separated by spaces on one line, or cells glued together (`194.9194.9100%`).
Each figure of the row gets its column (年初预算数, 全年预算数, 全年执行数, 分值, 执行率,
得分) and a flag saying whether the reading is confirmed.

A reading is confirmed when the figures fit the columns one to one and the form's own
arithmetic holds (执行数 ÷ 预算数 × 100 = 执行率, 得分 ≤ 分值); glued cells are split only
where exactly one split passes that arithmetic. A row whose leading cells are missing
(fewer figures than columns, the rate placing them) confirms its rate and scores but not
its money columns: which budget column is empty cannot be told. Unconfirmed readings are
returned too, marked so, and must never end `ok`. The column and row words are data
(`[forms]` in data/words.toml); the number index writes them on the figures (see
numbers.index_numbers).
"""

from __future__ import annotations

import logging
import re
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from importlib import resources
from itertools import product

logger = logging.getLogger(__name__)

MONEY_COLUMNS = ("budget_initial", "budget_full_year", "budget", "expenditure_total")
RATE, WEIGHT, SCORE, TEXT = "execution_rate", "weight", "score", "text"
EXPENDITURE = "expenditure_total"
MAX_RATE = Decimal(300)  # a printed execution rate above this is a glued cell
MAX_SCORE = Decimal(100)
UNIT_WINDOW = 40  # characters before the header run where the form's unit is printed
HEADER_WINDOW = 800  # how far before a row word its header run may start
MAX_SPLITS = 5000  # glued runs with more readings than this are left unread

_PINYIN_GLOSS = re.compile(r"(?<=[\u4e00-\u9fff])[(（][a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ]{1,8}[)）]")
_PAREN = r"[（(][^（）()\n]{0,20}[)）]"
_GAP_RE = re.compile(rf"(?:[\s|:：]|{_PAREN})*")
_UNIT_RE = re.compile(r"[（(]\s*(?:单位\s*[:：]\s*)?(万元|元|千元|亿元)\s*[)）]")
_SIMPLE_RE = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?%?")
_PIECE_RE = re.compile(r"(?:0|[1-9]\d*)(?:\.\d{1,2})?%?")
_TOKEN_RE = re.compile(r"\d[\d.,%]*")
_STANDALONE_RE = re.compile(r"(?<![\d.])\d+(?:\.\d+)?(?![\d.%])")


@dataclass(frozen=True)
class FormWords:
    rows: re.Pattern[str]
    row_label: str
    default_unit: str
    empty_cells: tuple[str, ...]
    fold: dict[int, int]
    headers: re.Pattern[str]
    column_of: dict[str, str]  # header wording -> column key
    column_labels: dict[str, str]


@cache
def load_form_words() -> FormWords:
    """The `[forms]` section of data/words.toml, compiled (read once)."""
    raw_text = resources.files("jixiao").joinpath("data/words.toml").read_text(encoding="utf-8")
    raw = tomllib.loads(raw_text)["forms"]
    column_of = {word: key for key, words in raw["columns"].items() for word in words}
    wordings = sorted(column_of, key=len, reverse=True)
    return FormWords(
        rows=re.compile("|".join(map(re.escape, sorted(raw["rows"], key=len, reverse=True)))),
        row_label=raw["row_label"],
        default_unit=raw["default_unit"],
        empty_cells=tuple(sorted(raw["empty_cells"], key=len, reverse=True)),
        fold=str.maketrans(raw["fold_from"], raw["fold_to"]),
        headers=re.compile(
            "(?P<word>" + "|".join(map(re.escape, wordings)) + rf")(?P<paren>[ \t]*{_PAREN})?"
        ),
        column_of=column_of,
        column_labels=dict(raw["column_labels"]),
    )


@dataclass
class FormCell:
    column: str  # column key: budget_initial, expenditure_total, execution_rate, …
    label: str  # the column name written on the figure (fields.toml `cells` match it)
    start: int  # span of the figure in the text
    end: int
    value: Decimal
    percent: bool  # printed with %, or placed in the rate column
    confirmed: bool


@dataclass
class FormRow:
    row_start: int  # span of the row word (年度资金总额) in the text
    row_end: int
    end: int  # end of the row's last figure
    unit: str  # money unit of the form
    glued: bool
    cells: list[FormCell]
    token_spans: list[tuple[int, int]]  # the printed runs the figures were read from
    formula_spans: list[tuple[int, int]] = field(default_factory=list)  # (B/A×100%) …


@dataclass(frozen=True)
class _Figure:
    value: Decimal
    percent: bool
    decimals: int
    start: int  # in the view
    end: int


@dataclass(frozen=True)
class _Reading:
    offset: int
    cells: tuple[tuple[str, _Figure], ...]
    checked: bool  # the rate arithmetic was applied and holds
    degenerate: bool  # nothing to check against: the budget or the spending is 0


def folded_view(text: str) -> tuple[str, list[int]]:
    """The text without pinyin glosses (`執(zhí)行`) and with traditional form words as
    simplified ones, for matching only; `positions[i]` is the text offset of view[i]."""
    words = load_form_words()
    kept: list[str] = []
    positions: list[int] = []
    last = 0
    for match in [*_PINYIN_GLOSS.finditer(text), None]:
        stop = match.start() if match else len(text)
        kept.append(text[last:stop])
        positions.extend(range(last, stop))
        last = match.end() if match else len(text)
    positions.append(len(text))
    return "".join(kept).translate(words.fold), positions


def read_forms(text: str) -> list[FormRow]:
    """Every funds row of a self-evaluation form in `text`, with its columns."""
    words = load_form_words()
    view, positions = folded_view(text)
    headers = []
    parens = [m.span() for m in re.finditer(_PAREN, view)]
    for match in words.headers.finditer(view):
        if any(a < match.start() < b for a, b in parens):
            continue  # "(20分*执行率)": a column name inside a note
        paren = match["paren"] or ""
        unit = _UNIT_RE.search(paren)
        if unit:  # "年度预算数(万元)": the row stub naming the unit, not a column
            continue
        headers.append((words.column_of[match["word"]], match.start(), match.end(), bool(paren)))
    rows: list[FormRow] = []
    for row_match in words.rows.finditer(view):
        run = _header_run(view, headers, row_match.start())
        columns = [key for key, *_ in run]
        values = [key for key in columns if key != TEXT]
        if len(values) < 2 or not {EXPENDITURE, RATE} & set(values):
            continue
        row = _read_row(view, positions, row_match, run, values)
        if row is not None:
            rows.append(row)
    return rows


def _header_run(view: str, headers: list, row_start: int) -> list:
    """The headers printed right before a row word, with only separators between."""
    run: list = []
    cursor = row_start
    for header in reversed([h for h in headers if h[2] <= row_start]):
        if cursor - header[2] > HEADER_WINDOW or not _gap(view[header[2] : cursor]):
            break
        run.append(header)
        cursor = header[1]
    return run[::-1]


def _gap(between: str) -> bool:
    return _GAP_RE.fullmatch(between) is not None


def _read_row(
    view: str, positions: list[int], row_match: re.Match[str], run: list, columns: list[str]
) -> FormRow | None:
    words = load_form_words()
    tokens = _tokens(view, row_match.end(), len(columns), words.empty_cells)
    if not any(token is not None for token in tokens):
        return None
    readings, glued = _readings(tokens, columns)
    chosen = _choose(readings, glued, _printed_elsewhere(view, tokens))
    window = view[max(0, run[0][1] - UNIT_WINDOW) : row_match.start()]
    unit_match = _UNIT_RE.search(window)
    unit = unit_match.group(1) if unit_match else words.default_unit
    at = positions.__getitem__
    row = FormRow(
        row_start=at(row_match.start()),
        row_end=at(row_match.end()),
        end=at(max(t[1] for t in tokens if t is not None)),
        unit=unit,
        glued=glued,
        cells=[],
        token_spans=[(at(t[0]), at(t[1])) for t in tokens if t is not None],
        formula_spans=[(at(h[1]), at(h[2])) for h in run if h[3]],
    )
    if chosen is None:
        logger.debug("form row at %d: no single reading of %s", row.row_start, tokens)
        if not glued:  # the printed figures stand, but their columns are unknown
            for figure in _simple_figures(tokens):
                if figure is not None:
                    row.cells.append(_cell("", "", figure, at, confirmed=False))
        return row
    confirmed = chosen.checked or (
        not chosen.degenerate
        and not glued
        and chosen.offset == 0
        and len(tokens) == len(columns)
        and not any(t is None for t in tokens)
    )
    for column, figure in chosen.cells:
        # Leading cells missing: which money column each figure is in cannot be told.
        sure = confirmed and (chosen.offset == 0 or column not in MONEY_COLUMNS)
        label = words.column_labels[column] if sure else ""
        row.cells.append(_cell(column, label, figure, at, confirmed=sure))
    return row


def _cell(column: str, label: str, figure: _Figure, at, confirmed: bool) -> FormCell:
    return FormCell(
        column=column,
        label=label,
        start=at(figure.start),
        end=at(figure.end),
        value=figure.value,
        percent=figure.percent or column == RATE,
        confirmed=confirmed,
    )


def _tokens(
    view: str, position: int, wanted: int, empty_cells: tuple[str, ...]
) -> list[tuple[int, int, str] | None]:
    """The printed runs after a row word: figures (maybe glued) and empty-cell marks."""
    tokens: list[tuple[int, int, str] | None] = []
    figures_seen = 0
    while figures_seen < wanted:
        while position < len(view) and (view[position].isspace() or view[position] in "|:："):
            position += 1
        empty = next((e for e in empty_cells if view.startswith(e, position)), None)
        if empty is not None:
            after = position + len(empty)
            if after >= len(view) or view[after].isspace() or view[after] == "|":
                tokens.append(None)
                figures_seen += 1
                position = after
                continue
        match = _TOKEN_RE.match(view, position)
        if match is None:
            break
        raw = match.group(0).rstrip(".,")
        tokens.append((match.start(), match.start() + len(raw), raw))
        figures_seen += max(1, raw.count("%") + 1 if not _simple(raw) else 1)
        position = match.end()
    return tokens


def _simple(raw: str) -> bool:
    """A run that reads as one figure (a rate above any real one is glued cells)."""
    if _SIMPLE_RE.fullmatch(raw) is None:
        return False
    return not raw.endswith("%") or Decimal(raw[:-1].replace(",", "")) <= MAX_RATE


def _figure(raw: str, start: int) -> _Figure:
    digits = raw.rstrip("%").replace(",", "")
    decimals = len(digits.partition(".")[2])
    return _Figure(Decimal(digits), raw.endswith("%"), decimals, start, start + len(raw))


def _simple_figures(tokens: list) -> list[_Figure | None]:
    return [None if t is None else _figure(t[2], t[0]) for t in tokens]


def _splits(raw: str, start: int, most: int) -> list[list[_Figure]]:
    """Every way to cut a glued run into 2..`most` figures (no leading zeros, at most two
    decimals, % only at a figure's end)."""
    found: list[list[_Figure]] = []

    def walk(position: int, pieces: list[_Figure]) -> None:
        if len(found) > MAX_SPLITS or len(pieces) > most:
            return
        if position == len(raw):
            if len(pieces) >= 2:
                found.append(list(pieces))
            return
        for stop in range(position + 1, min(len(raw), position + 14) + 1):
            piece = raw[position:stop]
            if _PIECE_RE.fullmatch(piece):
                pieces.append(_figure(piece, start + position))
                walk(stop, pieces)
                pieces.pop()

    walk(0, [])
    return found if len(found) <= MAX_SPLITS else []


def _readings(tokens: list, columns: list[str]) -> tuple[list[_Reading], bool]:
    """All readings of the row: every split of glued runs, at every column offset."""
    glued = any(t is not None and not _simple(t[2]) for t in tokens)
    options: list[list[list[_Figure | None]]] = []
    for token in tokens:
        if token is None:
            options.append([[None]])
        elif _simple(token[2]):
            options.append([[_figure(token[2], token[0])]])
        else:
            options.append(_splits(token[2], token[0], len(columns)))  # type: ignore[arg-type]
    readings: list[_Reading] = []
    for combination in product(*options):
        figures = [figure for part in combination for figure in part]
        if len(figures) > len(columns):
            continue
        for offset in range(len(columns) - len(figures) + 1):
            reading = _fit(figures, columns, offset)
            if reading is not None:
                readings.append(reading)
        if len(readings) > MAX_SPLITS:
            return [], glued
    return readings, glued


def _fit(figures: list[_Figure | None], columns: list[str], offset: int) -> _Reading | None:
    """The figures placed from column `offset` on, if the form's rules allow it."""
    any_percent = any(f is not None and f.percent for f in figures)
    cells: dict[str, _Figure] = {}
    for position, figure in enumerate(figures):
        if figure is None:
            continue
        column = columns[position + offset]
        if figure.percent != (column == RATE) and (figure.percent or any_percent):
            return None
        if column in (WEIGHT, SCORE) and figure.value > MAX_SCORE:
            return None
        if column == RATE and figure.value > MAX_RATE:
            return None
        cells[column] = figure
    if WEIGHT in cells and SCORE in cells and cells[SCORE].value > cells[WEIGHT].value:
        return None
    spent, rate = cells.get(EXPENDITURE), cells.get(RATE)
    budget = next(
        (cells[c] for c in ("budget_full_year", "budget", "budget_initial") if c in cells), None
    )
    divisor_column = next(
        (c for c in ("budget_full_year", "budget", "budget_initial") if c in columns), None
    )
    checked = degenerate = False
    if spent is not None and rate is not None and budget is not None:
        if budget is not cells.get(divisor_column or ""):
            return None  # the divisor column itself is empty
        if budget.value == 0 or spent.value == 0 or rate.value == 0:
            degenerate = True  # 0 ÷ anything, or anything tiny ÷ a budget, reads as 0%
        else:
            expected = spent.value / budget.value * 100
            if abs(expected - rate.value) > Decimal(1).scaleb(-rate.decimals):
                return None
            checked = True
    ordered = tuple((c, cells[c]) for c in columns if c in cells)
    return _Reading(offset, ordered, checked, degenerate)


def _printed_elsewhere(view: str, tokens: list) -> set[Decimal]:
    """Values printed as figures of their own outside the row's runs."""
    spans = [(t[0], t[1]) for t in tokens if t is not None]
    return {
        Decimal(m.group(0))
        for m in _STANDALONE_RE.finditer(view)
        if not any(a <= m.start() < b for a, b in spans)
    }


def _choose(readings: list[_Reading], glued: bool, elsewhere: set[Decimal]) -> _Reading | None:
    """The one reading of the row, or None when there is none or several differ.

    Glued runs only: when several splits pass the arithmetic, the one whose every money
    figure the report also prints on its own elsewhere (按收入性质分:2456.18) is taken.
    """
    # A split is only believed where the arithmetic confirms it; a checked reading wins.
    if glued or any(r.checked for r in readings):
        readings = [r for r in readings if r.checked]
    distinct = {_key(r): r for r in readings}
    if glued and len(distinct) > 1:
        distinct = {
            key: r
            for key, r in distinct.items()
            if all(f.value in elsewhere for c, f in r.cells if c in MONEY_COLUMNS)
        }
    if len(distinct) != 1:
        return None
    return next(iter(distinct.values()))


def _key(reading: _Reading) -> tuple:
    return (reading.offset, tuple((c, f.value, f.start) for c, f in reading.cells))
