"""Pages read as rows -> one text, with the stretches OCR was unsure of.

In: the pages of one document in order, each a plain text (a PDF's text layer) or
`PageRows` (read by OCR, or a text layer re-read with its ruled tables).
Out: the document's text and its `SuspectLine`s. Consecutive row pages are joined row by
row (`join_pages`), so a table row cut by a page break is whole again; `row_suspects`
lists the doubtful stretches with the row each stands in.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging

from jixiao.core import SuspectLine
from jixiao.ingest.base import PageRow, PageRows, table_row_text

logger = logging.getLogger(__name__)

# Short lines (a page number, a running head) that may stand between a table row cut by
# the page end and its continuation at the top of the next page.
PAGE_EDGE_LINES, PAGE_EDGE_CHARS = 2, 12
FIGURE_CELL_MAX_CHARS = 12  # a cell this short holding a digit is a figure ("≥4起", "80.25")


def assemble(pages: list[str | PageRows]) -> tuple[str, list[SuspectLine]]:
    """One text from plain text-layer pages and pages read as rows (OCR, or text layers
    with tables); runs of row pages are joined row by row, so a table row cut by a page
    break is whole again."""
    texts: list[str] = []
    suspects: list[SuspectLine] = []
    for in_rows, run in itertools.groupby(pages, key=lambda page: isinstance(page, PageRows)):
        if in_rows:
            rows = join_pages(list(run))  # type: ignore[arg-type]
            texts.append("\n".join(row.text for row in rows))
            suspects += row_suspects(rows)
        else:
            texts += run  # type: ignore[arg-type]
    return "\n".join(texts), suspects


def _edge_table_row(rows: list[PageRow], from_end: bool) -> int | None:
    order = range(len(rows) - 1, -1, -1) if from_end else range(len(rows))
    for seen, index in enumerate(order):
        if rows[index].cells is not None:
            return index
        if seen >= PAGE_EDGE_LINES or len(rows[index].text.strip()) > PAGE_EDGE_CHARS:
            return None
    return None


def join_pages(pages: list[PageRows]) -> list[PageRow]:
    """The rows of consecutive pages, a table row cut by a page end joined cell by cell
    with the first row of the next page's table when both have as many cells (the joined
    row stays `cut`: whether it really ran on is a guess)."""
    rows: list[PageRow] = []
    for number, page in enumerate(pages, start=1):
        incoming = list(page.rows)
        last = _edge_table_row(rows, from_end=True)
        first = _edge_table_row(incoming, from_end=False)
        if last is not None and first is not None and rows[last].cut:
            before, after = rows[last], incoming[first]
            if continues(before.cells or [], after.cells or []):
                cells = [a + b for a, b in zip(before.cells or [], after.cells or [], strict=True)]
                rows[last] = dataclasses.replace(
                    before,
                    cells=cells,
                    text=table_row_text(cells),
                    unsure=before.unsure + after.unsure,
                )
                del incoming[first]
                logger.debug("table row cut by the end of page %d joined with its rest", number - 1)
        rows += incoming
    return rows


def continues(cut: list[str], top: list[str]) -> bool:
    """Whether the first table row of a page can be the rest of the row the previous page
    ended with: as many cells, and no column with a figure on both sides (a new row of
    figures, "8" over "5", must not be read as one cell "85")."""
    if len(cut) != len(top):
        return False
    return not any(_is_figure(a) and _is_figure(b) for a, b in zip(cut, top, strict=True))


def _is_figure(cell: str) -> bool:
    return len(cell) <= FIGURE_CELL_MAX_CHARS and any(c.isdigit() for c in cell)


def row_suspects(rows: list[PageRow]) -> list[SuspectLine]:
    """Doubtful readings, each with the text of its row so it can be found again."""
    found = [
        SuspectLine(text=text, reason="ocr_low_confidence", context=row.text)
        for row in rows
        for text in row.unsure
    ]
    found += [
        SuspectLine(text=cell, reason="ocr_page_break", context=row.text)
        for row in rows
        if row.cut and row.ocr
        for cell in row.cells or []
        if cell
    ]
    return found
