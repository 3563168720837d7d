"""Normalize: `SourceDocument` -> `NormalizedText`.

In: the text (or docx blocks) that ingest read.
Out: one normalized string that every later offset points into, plus the spans of the
tables a structured source declared. Normalization fixes what converters break and
never changes a figure's value: full-width digits and figure punctuation become ASCII,
conversion debris (`[bookmark: _GoBack]`, page numbers, running heads) is removed, and
lines broken inside a sentence or a figure are joined. docx tables are rendered in the
same "one cell per line, blank line between rows" shape as flattened text.
Portal chrome (索引号, 发布机构, breadcrumbs, 分享到, doc-sharing wrappers and their file
names) and mirror-site spam lines are kept in the text, where a reviewer sees them, and
recognised by `is_chrome_line` so that the rules never read a title, a year or a name
from them.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter

from jixiao.core import (
    NormalizedText,
    SourceDocument,
    SourceParagraph,
    SourceTable,
    Span,
    Suspect,
    SuspectLine,
)
from jixiao.evidence import MIN_QUOTE_CHARS, locate
from jixiao.patterns import DIGIT_FOLD, folded_view
from jixiao.words import load_words

logger = logging.getLogger(__name__)

CELL_PREFIX = "\t"
SUSPECT_HEAD_CHARS = 200  # a long doubtful stretch is found again by its beginning

# PDF fonts often map characters to their look-alike radicals or compatibility
# ideographs (⼈ U+2F08 for 人, ⺠ U+2EA0 for 民); text extraction then yields those.
# NFKC folds the Kangxi radicals and compatibility ideographs; the simplified radical
# forms have no decomposition, so they are listed (by their Unicode names).
_SIMPLIFIED_RADICALS = dict(
    zip(
        "⺁⺇⺓⺝⺠⺧⺬⺶⺻⻄⻅⻆⻉⻋⻑⻓⻔⻗⻘⻙⻚⻛⻜⻝⻢⻣⻤⻥⻦⻧⻨⻩⻪⻬⻮⻰",
        "厂几幺月民牛示羊聿西见角贝车長长门雨青韦页风飞食马骨鬼鱼鸟卤麦黄黾齐齿龙",
        strict=True,
    )
)
_RADICALS = str.maketrans(
    {
        **{
            chr(code): folded
            for code in [*range(0x2E80, 0x2FE0), *range(0xF900, 0xFB00)]
            if len(folded := unicodedata.normalize("NFKC", chr(code))) == 1 and folded != chr(code)
        },
        **_SIMPLIFIED_RADICALS,
    }
)
_INVISIBLE = str.maketrans({"\u200b": None, "\ufeff": None, "\u00ad": None, "\xa0": " "})

_DEBRIS_PATTERNS = [
    re.compile(r"\[bookmark:[^\]\n]*\]"),
    re.compile(r"\[(?:image|picture|图片)[^\]\n]{0,40}\]", re.IGNORECASE),
]
_PAGE_NUMBER_LINE = re.compile(
    r"^[ \u3000]*(?:[-—–－][ \u3000]*\d{1,4}[ \u3000]*[-—–－]"
    r"|第[ \u3000]*\d{1,4}[ \u3000]*页"
    r"(?:[ \u3000]*[,，/]?[ \u3000]*共[ \u3000]*\d{1,4}[ \u3000]*页)?"
    r"|\d{1,4}[ \u3000]*/[ \u3000]*\d{1,4}"
    r"|[Pp]age[ \u3000]*\d{1,4}(?:[ \u3000]*of[ \u3000]*\d{1,4})?)[ \u3000]*$"
)
_BARE_NUMBER_LINE = re.compile(r"^[ \u3000]*\d{1,3}[ \u3000]*$")

# Figure punctuation written full-width between digits: 80．25 / 1，234 / 100％.
_FIGURE_POINT = re.compile(r"(?<=\d)[．。](?=\d)")
_FIGURE_COMMA = re.compile(r"(?<=\d)，(?=\d{3}(?!\d))")
_PERCENT = re.compile(r"(?<=\d)[ \u3000]*[％%]")

SENTENCE_END = tuple("。！？；：!?;:…”’」』）)】>")
HEADING_START = re.compile(
    r"^[ \u3000]*(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[）)]"
    r"|\d+[.．、](?!\d)|附件\s*\d*|附表|[①-⑳])"
)
# What may follow a figure broken at the end of a line: its decimals or its unit.
_FIGURE_TAIL = re.compile(r"^(?:[.,%]\d*|万元|元|亿元|千元|人|个|次|场|件)")
_LIST_ITEM_START = re.compile(r"^[ \u3000]*\d{1,2}[.．、]")
_RUNNING_HEAD_MIN, _RUNNING_HEAD_MAX, _RUNNING_HEAD_REPEATS = 4, 40, 3
# Running heads are text (a title with its year, a unit's name); a repeated line holding
# another figure or a "|" is a table cell ("40 |", "其中:中央财政 |") and is data.
_TABLE_OR_FIGURE = re.compile(r"\||(?<!\d)(?!(?:19|20)\d{2}\s*年)\d")
_WRAPPED_LINE_MIN = 25


def is_chrome_line(line: str) -> bool:
    """Whether a line is the web page around a report (navigation, metadata, wrapper
    file names, spam) rather than the report; matched on its folded view."""
    words, folded = load_words(), folded_view(line).text
    return words.wrappers.search(folded) is not None or words.chrome.search(folded) is not None


def normalize_document(document: SourceDocument) -> NormalizedText:
    if document.blocks:
        return _normalize_blocks(document.blocks)
    if not document.ocr:
        text = normalize_text(document.text or "")
        return NormalizedText(text=text, suspects=_placed(text, document.suspect_lines))
    repaired, repairs = repair_ocr_figures(document.text or "")
    text = normalize_text(repaired)
    doubtful = [SuspectLine(text=snippet, reason=reason) for snippet, reason in repairs]
    return NormalizedText(text=text, suspects=_placed(text, [*doubtful, *document.suspect_lines]))


def _placed(text: str, lines: list[SuspectLine]) -> list[Suspect]:
    """The doubtful readings (OCR, replaced bytes) found in the normalized text."""
    return [
        Suspect(start=found.start, end=found.end, reason=line.reason)
        for line in lines
        if (found := locate_suspect(text, line)) is not None
    ]


def locate_suspect(text: str, line: SuspectLine) -> Span | None:
    """Where a doubtful reading stands: inside its line when the line is found (a cell
    such as "5" occurs all over a report), else wherever its own text is."""
    row = _find(text, line.context, (0, len(text))) if line.context else None
    if row is None:
        if len(line.text.strip()) < MIN_QUOTE_CHARS:  # too short to place without its line
            return None
        return _find(text, line.text, (0, len(text)))
    return _find(text, line.text, (row.start, row.end)) or row


def _find(text: str, snippet: str, window: tuple[int, int]) -> Span | None:
    """`snippet` in `text[window]`: exactly, else loosely (white space, full-width forms);
    a snippet longer than a quote may be is found by its head and given its length."""
    snippet = snippet.strip()
    if not snippet:
        return None
    position = text.find(snippet, *window)
    if position >= 0:
        return Span(start=position, end=position + len(snippet))
    head = snippet[:SUSPECT_HEAD_CHARS]
    found = locate(text, head, window=window)
    if found is None or not window[0] <= found.start < window[1]:
        return None
    end = found.end if head == snippet else found.start + len(snippet)
    return Span(start=found.start, end=min(end, window[1]))


# OCR misreadings inside figures: letters that look like digits, a thousands separator
# read as a decimal point (1.234.567), a decimal point read as a comma (80,25万元).
_OCR_ZERO = re.compile(
    r"(?<=\d)[Oo〇]+(?=[\d.,%万元])|(?<=[\d.])[Oo〇]+(?=\d)|(?<![A-Za-z])[Oo](?=\.\d)"
)
_OCR_ONE = re.compile(
    r"(?<=\d)[lI](?=[\d.,%万元人次场个件])|(?<=[\d.])[lI](?=\d)|(?<![A-Za-z])[lI](?=\d)"
)
_OCR_THOUSANDS = re.compile(r"(?<![\d.,])\d{1,3}(?:\.\d{3}){2,}(?:,\d{1,2})?(?![\d.])")
_OCR_DECIMAL_COMMA = re.compile(r"(?<![\d,])(\d+),(\d{1,2})(?=\s*(?:万元|元|亿元|%))")


def repair_ocr_figures(text: str) -> tuple[str, list[tuple[str, str]]]:
    """Fix figure misreadings typical of OCR; return the text and (figure, reason) for
    each repair, so the figures it touched can be flagged for a reviewer."""
    repairs: list[tuple[str, str]] = []

    def note(reason: str, replace):
        def apply(match: re.Match[str]) -> str:
            fixed = replace(match)
            start = max(0, match.start() - 6)
            repairs.append((text_at[0][start : match.start()] + fixed, reason))
            return fixed

        return apply

    text_at = [text]
    for pattern, replace, reason in (
        (_OCR_ZERO, lambda m: "0" * len(m.group(0)), "ocr_repaired_digit"),
        (_OCR_ONE, lambda m: "1", "ocr_repaired_digit"),
        (_OCR_THOUSANDS, _thousands, "ocr_suspicious_separator"),
        (_OCR_DECIMAL_COMMA, lambda m: f"{m.group(1)}.{m.group(2)}", "ocr_suspicious_separator"),
    ):
        text_at[0] = pattern.sub(note(reason, replace), text_at[0])
    return text_at[0], repairs


def _thousands(match: re.Match[str]) -> str:
    groups, _, decimals = match.group(0).partition(",")
    return groups.replace(".", ",") + (f".{decimals}" if decimals else "")


def normalize_text(raw: str) -> str:
    lines = [_normalize_line(line) for line in _split_lines(raw)]
    lines = _drop_page_furniture(lines)
    lines = _join_broken_lines(lines)
    return _tidy_blank_lines("\n".join(lines))


def _split_lines(raw: str) -> list[str]:
    return raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _normalize_line(line: str) -> str:
    line = line.translate(_INVISIBLE).translate(_RADICALS).translate(DIGIT_FOLD)
    for pattern in _DEBRIS_PATTERNS:
        line = pattern.sub("", line)
    line = _FIGURE_POINT.sub(".", line)
    line = _FIGURE_COMMA.sub(",", line)
    line = _PERCENT.sub("%", line)
    if line.startswith(CELL_PREFIX):
        return CELL_PREFIX + line[1:].strip(" \u3000\t")
    return line.strip(" \u3000\t")


def _is_cell(line: str) -> bool:
    return line.startswith(CELL_PREFIX)


def _drop_page_furniture(lines: list[str]) -> list[str]:
    """Drop page numbers and running heads that converters leave between paragraphs."""
    prose = [line for line in lines if line and not _is_cell(line)]
    repeats = Counter(prose)
    kept: list[str] = []
    for index, line in enumerate(lines):
        if not line or _is_cell(line):
            kept.append(line)
            continue
        if _PAGE_NUMBER_LINE.match(line):
            continue
        if _BARE_NUMBER_LINE.match(line) and _between_prose(lines, index):
            continue
        if (
            repeats[line] >= _RUNNING_HEAD_REPEATS
            and _RUNNING_HEAD_MIN <= len(line) <= _RUNNING_HEAD_MAX
            and not HEADING_START.match(line)
            and not _TABLE_OR_FIGURE.search(line)
        ):
            continue
        kept.append(line)
    return kept


def _between_prose(lines: list[str], index: int) -> bool:
    """A bare number line is a page number only where prose runs on both sides."""

    def neighbour(step: int) -> str | None:
        probe = index + step
        while 0 <= probe < len(lines):
            if lines[probe].strip():
                return lines[probe]
            probe += step
        return None

    before, after = neighbour(-1), neighbour(1)
    return all(
        line is not None and not _is_cell(line) and len(line) >= _WRAPPED_LINE_MIN
        for line in (before, after)
    )


def _join_broken_lines(lines: list[str]) -> list[str]:
    """Join a prose line with the next when the break falls inside a sentence or figure."""
    joined: list[str] = []
    for line in lines:
        if joined and _continues(joined[-1], line):
            joined[-1] = joined[-1] + line
        else:
            joined.append(line)
    return joined


def _continues(previous: str, line: str) -> bool:
    if not previous or not line or _is_cell(previous) or _is_cell(line):
        return False
    if previous.count("|") >= 2 or line.count("|") >= 2:  # rows of a "|" table
        return False
    if previous.endswith(SENTENCE_END):
        return False
    if is_chrome_line(previous) or is_chrome_line(line):  # a page's chrome is not prose
        return False
    broken_figure = bool(
        (re.search(r"\d[.,]$", previous) and re.match(r"^\d", line))
        or (re.search(r"\d$", previous) and re.match(_FIGURE_TAIL, line))
    )
    if broken_figure:
        return True
    if HEADING_START.match(line) or _LIST_ITEM_START.match(line):
        return False
    if HEADING_START.match(previous) and len(previous) < _WRAPPED_LINE_MIN:
        return False
    return len(previous) >= _WRAPPED_LINE_MIN


def _tidy_blank_lines(text: str) -> str:
    text = re.sub(r"\n{4,}", "\n\n\n", text)
    return text.strip("\n") + "\n"


def _normalize_blocks(blocks: list[SourceParagraph | SourceTable]) -> NormalizedText:
    pieces: list[str] = []
    table_spans: list[Span] = []
    offset = 0
    for block in blocks:
        if isinstance(block, SourceParagraph):
            piece = normalize_text(block.text).strip("\n")
            if not piece:
                continue
            piece += "\n"
        else:
            piece = render_table(block)
            if not piece:
                continue
            if pieces and not pieces[-1].endswith("\n\n"):
                pieces.append("\n")
                offset += 1
            table_spans.append(Span(start=offset, end=offset + len(piece.rstrip("\n"))))
            piece += "\n"
        pieces.append(piece)
        offset += len(piece)
    return NormalizedText(text="".join(pieces), table_spans=table_spans)


def render_table(table: SourceTable) -> str:
    """Render a real table as flattened text: a cell per line, a blank line per row."""
    rows: list[str] = []
    for row in table.rows:
        cells = []
        for cell in row.cells:
            text = "\n".join(
                _normalize_line(line) for line in _split_lines(cell.text) if line.strip()
            )
            cells.append(CELL_PREFIX + text)
        if cells:
            rows.append("\n".join(cells))
    return "\n\n".join(rows) + "\n" if rows else ""
