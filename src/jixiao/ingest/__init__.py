"""Ingest: a file on disk -> `SourceDocument`.

In: a path to `.txt` (UTF-8, UTF-8 with BOM, GB18030/GBK, UTF-16; detected by
charset-normalizer), `.docx` (paragraphs and real tables in document order, via
python-docx), `.pdf` (the text layer via pypdfium2; pages with (nearly) no text layer
are rendered and OCRed), images (`.png`, `.jpg`, `.tif`: OCR), or `.doc`/`.wps`
(converted to docx by LibreOffice headless when it is installed). Folders are walked.
Out: a `SourceDocument` with the text (txt, pdf, images) or the ordered blocks (docx,
doc) and the file's sha256. Anything unreadable raises `jixiao.errors.IngestError`
naming the file and the reason.

One reader per format (`text`, `docx`, `pdf`, `image`, `office`), each behind the
`base.Reader` interface; `READERS` maps a file suffix to its reader. Scanned pages go
through `pageimage` (cut out, flattened, levelled) and `ocr`; pages read as rows, by OCR
or from a PDF's ruled tables, are put together by `rows`.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from pathlib import Path

from jixiao.core import SourceDocument
from jixiao.errors import IngestError
from jixiao.ingest.base import Reader
from jixiao.ingest.docx import DocxReader
from jixiao.ingest.image import ImageReader
from jixiao.ingest.limits import InputLimits, check_file_size
from jixiao.ingest.ocr import OcrEngine
from jixiao.ingest.office import OfficeReader
from jixiao.ingest.pdf import PdfReader
from jixiao.ingest.text import TextReader, decode_text

__all__ = [
    "READERS",
    "SUPPORTED_SUFFIXES",
    "OcrEngine",
    "Reader",
    "decode_text",
    "find_reports",
    "leaves_folder",
    "read_source",
]

logger = logging.getLogger(__name__)

READERS: dict[str, Reader] = {
    suffix: reader
    for reader in (TextReader(), DocxReader(), PdfReader(), ImageReader(), OfficeReader())
    for suffix in reader.suffixes
}
SUPPORTED_SUFFIXES = tuple(READERS)


def find_reports(paths: Iterable[Path]) -> list[tuple[Path, Path]]:
    """Expand files and folders into (file, base folder) pairs, sorted, without repeats.

    The base folder is what output names are made relative to; for a file given
    directly it is the file's own folder.
    """
    found: dict[Path, Path] = {}
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and child.suffix.lower() in SUPPORTED_SUFFIXES:
                    found.setdefault(child, path)
        else:
            found.setdefault(path, path.parent)
    return sorted(found.items())


def leaves_folder(path: Path, folder: Path) -> bool:
    """Whether a file found in `folder` is a link to something outside it (a system file
    linked into a folder of reports is never read)."""
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return True
    return False


def read_source(path: Path, ocr: OcrEngine | None = None) -> SourceDocument:
    """Read one report file with the reader for its suffix. `ocr` is the engine for
    scanned pages (made on demand when None; pass one to share its loaded models)."""
    if not path.exists():
        raise IngestError(path, "no such file")
    if not path.is_file():
        raise IngestError(path, "not a regular file")
    check_file_size(path, path.stat().st_size, InputLimits.from_environment())
    data = path.read_bytes()
    if not data.strip():
        raise IngestError(path, "the file is empty")
    suffix = path.suffix.lower()
    reader = READERS.get(suffix)
    if reader is None:
        raise IngestError(
            path, f"unsupported file type {suffix or '(none)'}; supported: {SUPPORTED_SUFFIXES}"
        )
    logger.info("reading %s (%d bytes) with %s", path, len(data), type(reader).__name__)
    return reader.read(path, data, hashlib.sha256(data).hexdigest(), ocr)
