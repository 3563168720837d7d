"""Segment: `NormalizedText` -> blocks and a section tree.

In: normalized text (and the table spans a docx declared).
Out: `Block`s (headings, paragraphs, tables with cell spans) and `Section`s, each with
its heading path. Headings are recognized by their numbering (一、 / （一） / 1. / 1、 /
（1） / ① / 附件N) and nested by the order the styles appear in. Tables are recognized
from docx, from the flattened "one cell per line, blank line between rows" text that

logger = logging.getLogger(__name__)
docx-to-text converters produce, and from lines with `|` separators.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from jixiao.core import Block, BlockKind, Cell, NormalizedText, Section
from jixiao.normalize import CELL_PREFIX

# Heading numbering styles, outermost first; the rank breaks ties when a style appears
# that is not yet on the stack (一、 after 1、 closes the 1、 level).
HEADING_STYLES: list[tuple[str, re.Pattern[str]]] = [
    ("annex", re.compile(r"^(?:附件|附表)\s*\d*(?=\s|$|[:：、.．]|[\u4e00-\u9fff])")),
    ("cn", re.compile(r"^[一二三四五六七八九十]{1,3}[、.．](?!\d)")),
    ("cn_paren", re.compile(r"^[（(][一二三四五六七八九十]{1,3}[）)]")),
    ("arabic", re.compile(r"^\d{1,2}(?:[、．]|\.(?!\d))")),
    ("arabic_paren", re.compile(r"^[（(]\d{1,2}[）)]")),
    ("circled", re.compile(r"^[①-⑳]")),
]
_STYLE_RANK = {name: rank for rank, (name, _) in enumerate(HEADING_STYLES)}
HEADING_MAX_CHARS = 40
SENTENCE_HEADING_CHARS = 12  # a longer line that ends a sentence is a list item
CELL_FRAGMENT_CHARS = 12
_PIPE_ROW = re.compile(r"^\s*\|?[^|\n]*\|[^|\n]*\|")
_PIPE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}")


@dataclass
class _Line:
    start: int
    end: int
    text: str

    @property
    def blank(self) -> bool:
        return not self.text.strip() and not self.cell  # "\t" alone is an empty cell

    @property
    def cell(self) -> bool:
        return self.text.startswith(CELL_PREFIX)

    @property
    def piped(self) -> bool:
        return bool(_PIPE_ROW.match(self.text))


def split_lines(text: str) -> list[_Line]:
    lines: list[_Line] = []
    offset = 0
    for raw in text.split("\n"):
        lines.append(_Line(offset, offset + len(raw), raw))
        offset += len(raw) + 1
    return lines


def heading_style(line: str) -> str | None:
    """The numbering style of a heading line, or None for a line that is not one."""
    stripped = line.strip()
    if not stripped or line.startswith(CELL_PREFIX) or len(stripped) > HEADING_MAX_CHARS:
        return None
    if stripped.endswith(("。", "；", ";")) and len(stripped) > SENTENCE_HEADING_CHARS:
        return None
    for name, pattern in HEADING_STYLES:
        if pattern.match(stripped):
            return name
    return None


def segment(normalized: NormalizedText) -> list[Block]:
    """Cut normalized text into heading, paragraph and table blocks, in order."""
    lines = split_lines(normalized.text)
    declared = [(span.start, span.end) for span in normalized.table_spans]
    blocks: list[Block] = []
    styles: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.blank:
            index += 1
            continue
        inside = next((span for span in declared if span[0] <= line.start < span[1]), None)
        if line.cell or inside:
            end_index = _flattened_table_end(lines, index, inside)
            blocks.append(_flattened_table(lines[index:end_index]))
            index = end_index
            continue
        if line.piped:
            end_index = index
            while end_index < len(lines) and lines[end_index].piped:
                end_index += 1
            blocks.append(_piped_table(lines[index:end_index]))
            index = end_index
            continue
        style = heading_style(line.text)
        start = line.start + (len(line.text) - len(line.text.lstrip()))
        if style is not None:
            level = _heading_level(styles, style)
            blocks.append(Block(kind=BlockKind.HEADING, start=start, end=line.end, level=level))
        else:
            blocks.append(Block(kind=BlockKind.PARAGRAPH, start=start, end=line.end))
        index += 1
    return blocks


def _heading_level(styles: list[str], style: str) -> int:
    if style == "annex":
        styles[:] = [style]
        return 1
    if style in styles:
        del styles[styles.index(style) + 1 :]
    else:
        while styles and styles[-1] != "annex" and _STYLE_RANK[styles[-1]] >= _STYLE_RANK[style]:
            styles.pop()
        styles.append(style)
    return len(styles)


def _flattened_table_end(lines: list[_Line], index: int, declared: tuple[int, int] | None) -> int:
    """Index just past the last line of the flattened table that starts at `index`."""
    if declared is not None:
        while index < len(lines) and lines[index].start < declared[1]:
            index += 1
        return index
    last = index
    probe = index + 1
    while probe < len(lines):
        line = lines[probe]
        if line.cell:
            last = probe
        elif not line.blank:
            # Text right under a cell continues it; after a blank line it continues the
            # cell only when it is a short fragment and the table goes on below it.
            if lines[probe - 1].blank and not _fragment_inside_table(lines, probe):
                break
            last = probe
        probe += 1
    return last + 1


def _fragment_inside_table(lines: list[_Line], index: int) -> bool:
    """A short non-cell line between blank lines that the table continues after."""
    line = lines[index]
    if len(line.text.strip()) > CELL_FRAGMENT_CHARS or heading_style(line.text):
        return False
    following = next((other for other in lines[index + 1 :] if not other.blank), None)
    return following is not None and following.cell


def _flattened_table(lines: list[_Line]) -> Block:
    rows: list[list[Cell]] = []
    row: list[Cell] = []
    previous_blank = False
    # A fragment after a blank line ("产出指标", blank, "(40分)") belongs to the cell
    # above, and so the row goes on past the next blank line too.
    fragment_pending = False
    for line in lines:
        if line.blank:
            previous_blank = True
            continue
        if line.cell:
            if previous_blank and row and not fragment_pending:
                rows.append(row)
                row = []
            fragment_pending = False
            row.append(_cell(line.start + len(CELL_PREFIX), line.end, line.text[1:]))
        elif row:
            fragment_pending = fragment_pending or previous_blank
            last = row[-1]
            # Continuation text belongs to the cell above it.
            start = last.start if last.text else line.start
            row[-1] = Cell(start=start, end=line.end, text=(last.text + "\n" + line.text).strip())
        previous_blank = False
    if row:
        rows.append(row)
    return Block(kind=BlockKind.TABLE, start=lines[0].start, end=lines[-1].end, rows=rows)


def _piped_table(lines: list[_Line]) -> Block:
    rows: list[list[Cell]] = []
    for line in lines:
        if _PIPE_RULE.match(line.text.replace("|", "", 1)) and set(line.text) <= set("|-: \t"):
            continue
        cells: list[Cell] = []
        position = line.start
        parts = line.text.split("|")
        if parts and not parts[0].strip() and line.text.lstrip().startswith("|"):
            position += len(parts[0]) + 1
            parts = parts[1:]
        if parts and not parts[-1].strip():
            parts = parts[:-1]
        for part in parts:
            cells.append(_cell(position, position + len(part), part))
            position += len(part) + 1
        rows.append(cells)
    return Block(kind=BlockKind.TABLE, start=lines[0].start, end=lines[-1].end, rows=rows)


def _cell(start: int, end: int, raw: str) -> Cell:
    """A cell whose span covers its text without surrounding white space."""
    stripped = raw.strip()
    if not stripped:
        return Cell(start=start, end=start, text="")
    lead = len(raw) - len(raw.lstrip())
    return Cell(start=start + lead, end=start + lead + len(stripped), text=stripped)


def build_sections(text: str, blocks: list[Block]) -> list[Section]:
    """Group blocks under the heading above them; text before any heading is the title."""
    sections: list[Section] = []
    path: list[str] = []
    current = Section(heading="", level=0, start=0, end=0, path=[])
    for block in blocks:
        if block.kind is BlockKind.HEADING:
            if current.blocks:
                sections.append(current)
            heading = text[block.start : block.end].strip()
            path = [*path[: block.level - 1], heading]
            current = Section(
                heading=heading, level=block.level, start=block.start, end=block.end, path=path
            )
        current.blocks.append(block)
        current.end = block.end
        if len(current.blocks) == 1:
            current.start = block.start
    if current.blocks:
        sections.append(current)
    return sections
