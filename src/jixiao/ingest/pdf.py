"""PDF reader: the text layer where there is one, OCR where a page is a scan.

In: a `.pdf` file. Each page's text layer is read with pypdfium2; a page with (nearly)
no text layer is rendered at `OCR_DPI` and read by OCR (`OcrEngine.read_pages`: cached,
several pages side by side). Text-layer pages holding ruled tables are re-read with
pdfplumber, so each table row is one `| a | b |` row.
Out: a `SourceDocument` (format "pdf") with the pages' text in order, one `PageInfo` per
page and the stretches OCR was unsure of. A password, a broken file, no pages or no text
at all raise `IngestError`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from jixiao.core import PageInfo, SourceDocument
from jixiao.errors import IngestError
from jixiao.ingest.base import PageRow, PageRows, table_row_text
from jixiao.ingest.limits import InputLimits, check_page_size, check_pages
from jixiao.ingest.ocr import OcrEngine
from jixiao.ingest.rows import assemble

logger = logging.getLogger(__name__)

TEXT_LAYER_MIN_CHARS = 20  # a PDF page with less text than this is a scan
OCR_DPI = 200
RULE_SNAP = 2.0  # points: a drawn rule this close to a table's edge closes it
_CJK_WRAP = re.compile(r"(?<=[^\x00-\x7f])\s*\n\s*(?=[^\x00-\x7f])")


class PdfReader:
    suffixes = (".pdf",)

    def read(
        self, path: Path, data: bytes, sha256: str, ocr: OcrEngine | None = None
    ) -> SourceDocument:
        import pypdfium2

        ocr = ocr or OcrEngine()
        try:
            document = pypdfium2.PdfDocument(str(path))
        except pypdfium2.PdfiumError as exc:
            reason = str(exc).lower()
            if "password" in reason:
                raise IngestError(path, "the PDF is password-protected") from exc
            raise IngestError(path, f"not a readable PDF ({exc})") from exc
        texts: dict[int, str | PageRows] = {}
        pages: dict[int, PageInfo] = {}
        limits = InputLimits.from_environment()
        try:
            if len(document) == 0:
                raise IngestError(path, "the PDF has no pages")
            check_pages(path, len(document), limits)
            scanned: list[int] = []
            for number, page in enumerate(document, start=1):
                try:
                    width, height = page.get_size()
                    check_page_size(path, width, height, limits)
                    layer = page.get_textpage().get_text_range()
                    layer = layer.replace("\r\n", "\n").replace("\r", "\n")
                    if len(layer.strip()) >= TEXT_LAYER_MIN_CHARS:
                        texts[number] = layer
                        pages[number] = PageInfo(page=number, ocr=False)
                    else:
                        logger.debug("%s: page %d has no text layer; read by OCR", path, number)
                        scanned.append(number)
                finally:
                    page.close()  # and its text page with it
            if scanned:
                read = ocr.read_pages(_rendered(document, scanned), len(scanned))
                for number, (rows, info) in zip(scanned, read, strict=True):
                    texts[number], pages[number] = rows, info
        finally:
            document.close()
        order = sorted(pages)
        texts_in_order = [texts[number] for number in order]
        pages_in_order = [pages[number] for number in order]
        scans = sum(p.ocr for p in pages_in_order)
        logger.info("%s: %d pages, %d read by OCR", path, len(pages_in_order), scans)
        layers = [p.page - 1 for p in pages_in_order if not p.ocr]
        for index, tabled in _layers_with_tables(path, layers):
            texts_in_order[index] = tabled
        text, unsure = assemble(texts_in_order)
        if not text.strip():
            raise IngestError(path, "the PDF holds no text, even by OCR")
        kept = [page.scan for page in texts_in_order if isinstance(page, PageRows) and page.scan]
        return SourceDocument(
            path=str(path),
            sha256=sha256,
            format="pdf",
            ocr=scans > 0,
            text=text,
            pages=pages_in_order,
            suspect_lines=unsure,
            scans=kept,
        )


def _rendered(document, numbers: list[int]) -> Iterator[tuple[int, Any]]:
    """The pages `numbers` (1-based) of an open PDF rendered at `OCR_DPI`, one at a time
    (a 300-page scan is never all in memory)."""
    for number in numbers:
        page = document[number - 1]
        try:
            # the image may share the bitmap's memory: the bitmap is left to be freed
            # with it, not closed here
            yield number, page.render(scale=OCR_DPI / 72).to_pil()
        finally:
            page.close()


def _layers_with_tables(path: Path, indexes: list[int]) -> Iterable[tuple[int, PageRows]]:
    """Text-layer pages that hold ruled tables, re-read with pdfplumber so each table row
    is one `| a | b |` row (pypdfium2 gives a table's cells as loose lines). Tables only
    help: when pdfplumber cannot read a page, that page keeps its plain text layer."""
    if not indexes:
        return []
    import pdfplumber

    # pdfminer logs every font it finds odd; none of it matters for the text.
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    found: list[tuple[int, PageRows]] = []
    try:
        with pdfplumber.open(path) as pdf:
            for index in indexes:
                rows = page_rows_with_tables(pdf.pages[index])
                if rows is not None:
                    found.append((index, PageRows(rows=rows)))
    except Exception:  # pdfminer raises many kinds; the pages not re-read keep their layer
        logger.warning(
            "%s: pdfplumber could not read the tables; %d of %d text-layer pages keep "
            "their plain text",
            path,
            len(indexes) - len(found),
            len(indexes),
            exc_info=True,
        )
        return found
    logger.debug("%s: %d text-layer pages hold ruled tables", path, len(found))
    return found


def page_rows_with_tables(page) -> list[PageRow] | None:
    """A pdfplumber page as rows top to bottom, each table row with its cells; None when
    the page has no ruled table. A table running over a page break has no rule where the
    page cuts it: one is added there, and the row it closes is marked `cut`."""
    rules = [e for e in page.edges if e["orientation"] == "v" and e["height"] > 1]
    if not rules:
        return None
    top, bottom = min(e["top"] for e in rules), max(e["bottom"] for e in rules)
    drawn = [e["top"] for e in page.edges if e["orientation"] == "h" and e["width"] > 1]
    open_bottom = not any(abs(y - bottom) <= RULE_SNAP for y in drawn)
    tables = page.find_tables(table_settings={"explicit_horizontal_lines": [top, bottom]})
    if not tables:
        return None
    boxes = [table.bbox for table in tables]

    def outside_tables(obj: dict) -> bool:
        if obj.get("object_type") != "char":
            return True
        x, y = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= x <= x1 and y0 <= y <= y1 for x0, y0, x1, y1 in boxes)

    prose = page.filter(outside_tables).extract_text_lines()
    rows = [PageRow(top=line["top"], text=line["text"]) for line in prose]
    for table in tables:
        extracted = table.extract()
        for number, (row, cells) in enumerate(zip(table.rows, extracted, strict=False)):
            # None marks a grid place covered by a merged cell: not a cell of its own
            texts = [_cell_text(cell) for cell in cells if cell is not None]
            if any(texts):
                cut = open_bottom and number == len(extracted) - 1 and table.bbox[3] >= bottom - 1
                rows.append(
                    PageRow(top=row.bbox[1], text=table_row_text(texts), cells=texts, cut=cut)
                )
    return sorted(rows, key=lambda row: row.top)


def _cell_text(cell: str | None) -> str:
    """A cell's wrapped lines joined: no space between CJK characters, one elsewhere."""
    if not cell:
        return ""
    text = _CJK_WRAP.sub("", cell.strip())
    return " ".join(text.split()).replace("|", "｜")
