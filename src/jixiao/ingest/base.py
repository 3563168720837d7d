"""What every reader shares: the reader interface and a page read as rows.

In: nothing but `jixiao.core` (and, for type checking only, the OCR engine).
Out: `Reader`, the one method a reader of an input format offers (bytes of a file in, a
`SourceDocument` out), and `PageRow`/`PageRows`, a page as rows of text top to bottom,
each a table row with its cells or a line of prose. A PDF's text layer read with its
ruled tables and a page read by OCR come out as the same rows, so putting pages together
(`rows.assemble`) does not care where they came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from jixiao.core import PageScan, SourceDocument

if TYPE_CHECKING:
    from jixiao.ingest.ocr import OcrEngine


class Reader(Protocol):
    """Reads one input format. `suffixes` are the file endings it takes (lower case,
    with the dot); `read` gets the file's path, its bytes and their sha256 (already
    checked: the file exists and is not empty) and the OCR engine to use for scanned
    pages (None: the reader makes its own if it needs one). Raises `IngestError`."""

    @property
    def suffixes(self) -> tuple[str, ...]: ...

    def read(
        self, path: Path, data: bytes, sha256: str, ocr: OcrEngine | None = None
    ) -> SourceDocument: ...


@dataclass(slots=True)
class PageRow:
    """One line of a page's text: prose, a row of pieces standing in columns, or a row
    of a ruled table (then `cells` holds its cells' texts)."""

    top: float
    text: str
    cells: list[str] | None = None
    cut: bool = False  # last row of a ruled table reaching the page foot: may run on
    ocr: bool = False  # True when read by OCR (a text layer is exact: no doubt to flag)
    unsure: list[str] = field(default_factory=list)  # pieces OCR read with low confidence
    pieces: list[Any] = field(default_factory=list)  # OCR: the `OcrLine`s of the row, in order

    @property
    def is_table_row(self) -> bool:
        return self.cells is not None


@dataclass(slots=True)
class PageRows:
    """A page as rows top to bottom; `confidence` is OCR's mean over the page (None for
    a text layer), `rotation` the degrees the page was turned to stand upright, `lines`
    how many OCR lines it held. OCR leaves the page image it read in `image` (full size,
    upright) until `scan` (the image downscaled and the rows' boxes) is made of it."""

    rows: list[PageRow] = field(default_factory=list)
    confidence: float | None = None
    rotation: int = 0
    lines: int = 0
    image: Any = None
    scan: PageScan | None = None

    @property
    def text(self) -> str:
        return "\n".join(row.text for row in self.rows)


def table_row_text(cells: list[str]) -> str:
    """A table row as one line of text: `| a | b |`."""
    return "| " + " | ".join(cells) + " |"
