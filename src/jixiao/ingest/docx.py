"""Word reader: a `.docx` file's paragraphs and tables, in document order.

In: a `.docx` file, read with python-docx (imported on first use, so runs on text files
do not pay for it).
Out: a `SourceDocument` (format "docx") whose blocks are `SourceParagraph`s and
`SourceTable`s in the order they stand; a horizontally merged cell comes out once. A
file that is no docx, or holds no text, raises `IngestError`.
"""

from __future__ import annotations

import logging
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from jixiao.core import SourceDocument, SourceParagraph, SourceTable, TableCell, TableRow
from jixiao.errors import IngestError
from jixiao.ingest.limits import InputLimits, check_archive

if TYPE_CHECKING:
    from jixiao.ingest.ocr import OcrEngine

logger = logging.getLogger(__name__)


class DocxReader:
    suffixes = (".docx",)

    def read(
        self, path: Path, data: bytes, sha256: str, ocr: OcrEngine | None = None
    ) -> SourceDocument:
        check_archive(path, InputLimits.from_environment())
        blocks = read_docx_blocks(path)
        if not any(
            (isinstance(b, SourceParagraph) and b.text.strip()) or isinstance(b, SourceTable)
            for b in blocks
        ):
            raise IngestError(path, "the document holds no text")
        return SourceDocument(path=str(path), sha256=sha256, format="docx", blocks=blocks)


def read_docx_blocks(path: Path) -> list[SourceParagraph | SourceTable]:
    """The paragraphs and tables of a .docx file, in document order."""
    import docx  # python-docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table
    from docx.text.paragraph import Paragraph
    from lxml.etree import XMLSyntaxError

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise IngestError(path, f"not a readable .docx file ({type(exc).__name__})") from exc
    except XMLSyntaxError as exc:  # entity bombs, broken XML: lxml refuses to expand them
        raise IngestError(path, f"the .docx holds XML that cannot be read safely ({exc})") from exc

    blocks: list[SourceParagraph | SourceTable] = []
    for item in document.iter_inner_content():
        if isinstance(item, Paragraph):
            blocks.append(SourceParagraph(text=item.text))
        elif isinstance(item, Table):
            blocks.append(_read_table(item))
    logger.debug(
        "%s: %d paragraphs, %d tables",
        path,
        sum(isinstance(b, SourceParagraph) for b in blocks),
        sum(isinstance(b, SourceTable) for b in blocks),
    )
    return blocks


def _read_table(table) -> SourceTable:
    rows: list[TableRow] = []
    for row in table.rows:
        cells: list[TableCell] = []
        previous = None
        for cell in row.cells:
            # A horizontally merged cell is returned once per grid column; keep it once.
            if previous is not None and cell._tc is previous:
                continue
            previous = cell._tc
            cells.append(TableCell(text=cell.text))
        rows.append(TableRow(cells=cells))
    return SourceTable(rows=rows)
