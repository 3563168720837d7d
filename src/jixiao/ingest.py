"""Ingest: a file on disk -> `SourceDocument`.

In: a path to `.txt` (UTF-8, UTF-8 with BOM, GB18030/GBK, UTF-16; detected by
charset-normalizer), `.docx` (paragraphs and real tables in document order, via
python-docx), `.pdf` (the text layer via pypdfium2; pages with (nearly) no text layer
are rendered and OCRed), images (`.png`, `.jpg`, `.tif`: OCR), or `.doc`/`.wps`
(converted to docx by LibreOffice headless when it is installed). Folders are walked.
Out: a `SourceDocument` with the text (txt) or the ordered blocks (docx) and the file's
sha256. Anything unreadable raises `IngestError` naming the file and the reason.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path

from charset_normalizer import from_bytes

from jixiao.core import (
    PageInfo,
    SourceDocument,
    SourceParagraph,
    SourceTable,
    SuspectLine,
    TableCell,
    TableRow,
)
from jixiao.errors import IngestError
from jixiao.ocr import OcrEngine, OcrPage, OcrRow, join_pages, row_suspects, table_row_text

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp")
OLD_WORD_SUFFIXES = (".doc", ".wps")
SUPPORTED_SUFFIXES = (".txt", ".docx", ".pdf", *IMAGE_SUFFIXES, *OLD_WORD_SUFFIXES)
TEXT_LAYER_MIN_CHARS = 20  # a PDF page with less text than this is a scan
OCR_DPI = 200
RULE_SNAP = 2.0  # points: a drawn rule this close to a table's edge closes it
_CJK_WRAP = re.compile(r"(?<=[^\x00-\x7f])\s*\n\s*(?=[^\x00-\x7f])")
LIBREOFFICE_TIMEOUT = 180

# charset-normalizer names the narrowest legacy codec that fits; decode with the
# superset so that rare characters outside GB2312/GBK still decode.
_ENCODING_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "cp936": "gb18030", "ascii": "utf_8"}


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


def read_source(path: Path, ocr: OcrEngine | None = None) -> SourceDocument:
    if not path.exists():
        raise IngestError(path, "no such file")
    if not path.is_file():
        raise IngestError(path, "not a regular file")
    data = path.read_bytes()
    if not data.strip():
        raise IngestError(path, "the file is empty")
    sha = hashlib.sha256(data).hexdigest()
    suffix = path.suffix.lower()
    if suffix == ".txt":
        text, encoding = decode_text(data, path)
        return SourceDocument(
            path=str(path), sha256=sha, format="txt", encoding=encoding, text=text
        )
    if suffix == ".docx":
        blocks = read_docx_blocks(path)
        if not any(
            (isinstance(b, SourceParagraph) and b.text.strip()) or isinstance(b, SourceTable)
            for b in blocks
        ):
            raise IngestError(path, "the document holds no text")
        return SourceDocument(path=str(path), sha256=sha, format="docx", blocks=blocks)
    if suffix == ".pdf":
        return read_pdf(path, sha, ocr or OcrEngine())
    if suffix in IMAGE_SUFFIXES:
        return read_image(path, sha, ocr or OcrEngine())
    if suffix in OLD_WORD_SUFFIXES:
        blocks = read_docx_blocks(convert_with_libreoffice(path))
        return SourceDocument(path=str(path), sha256=sha, format="doc", blocks=blocks)
    raise IngestError(
        path, f"unsupported file type {suffix or '(none)'}; supported: {SUPPORTED_SUFFIXES}"
    )


def decode_text(data: bytes, path: Path | str = "<bytes>") -> tuple[str, str]:
    """Decode report bytes with the encoding charset-normalizer detects."""
    match = from_bytes(data).best()
    if match is None:
        raise IngestError(path, "cannot detect the text encoding (binary file?)")
    encoding = _ENCODING_SUPERSETS.get(match.encoding, match.encoding)
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise IngestError(path, f"cannot decode as {encoding}: {exc}") from exc
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        raise IngestError(path, "the text holds NUL characters (binary file?)")
    return text, encoding


def read_docx_blocks(path: Path) -> list[SourceParagraph | SourceTable]:
    import docx  # python-docx; imported here so txt-only runs do not pay for it
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise IngestError(path, f"not a readable .docx file ({type(exc).__name__})") from exc

    blocks: list[SourceParagraph | SourceTable] = []
    for item in document.iter_inner_content():
        if isinstance(item, Paragraph):
            blocks.append(SourceParagraph(text=item.text))
        elif isinstance(item, Table):
            blocks.append(_read_table(item))
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


def _scan(ocr: OcrEngine, number: int, image) -> tuple[OcrPage, PageInfo]:
    page = ocr.page(image)
    return page, PageInfo(page=number, ocr=True, confidence=page.confidence, rotation=page.rotation)


def _assemble(pages: list[str | OcrPage]) -> tuple[str, list[SuspectLine]]:
    """One text from plain text-layer pages and pages read as rows (OCR, or text layers
    with tables); runs of row pages are joined row by row, so a table row cut by a page
    break is whole again."""
    texts: list[str] = []
    suspects: list[SuspectLine] = []
    for in_rows, run in itertools.groupby(pages, key=lambda page: isinstance(page, OcrPage)):
        if in_rows:
            rows = join_pages(list(run))  # type: ignore[arg-type]
            texts.append("\n".join(row.text for row in rows))
            suspects += row_suspects(rows)
        else:
            texts += run  # type: ignore[arg-type]
    return "\n".join(texts), suspects


def read_pdf(path: Path, sha: str, ocr: OcrEngine) -> SourceDocument:
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(str(path))
    except pypdfium2.PdfiumError as exc:
        reason = str(exc).lower()
        if "password" in reason:
            raise IngestError(path, "the PDF is password-protected") from exc
        raise IngestError(path, f"not a readable PDF ({exc})") from exc
    texts: list[str | OcrPage] = []
    pages: list[PageInfo] = []
    try:
        if len(document) == 0:
            raise IngestError(path, "the PDF has no pages")
        for number, page in enumerate(document, start=1):
            layer = page.get_textpage().get_text_range().replace("\r\n", "\n").replace("\r", "\n")
            if len(layer.strip()) >= TEXT_LAYER_MIN_CHARS:
                texts.append(layer)
                pages.append(PageInfo(page=number, ocr=False))
                continue
            scanned, info = _scan(ocr, number, page.render(scale=OCR_DPI / 72).to_pil())
            texts.append(scanned)
            pages.append(info)
    finally:
        document.close()
    for index, tabled in _layers_with_tables(path, [p.page - 1 for p in pages if not p.ocr]):
        texts[index] = tabled
    text, unsure = _assemble(texts)
    if not text.strip():
        raise IngestError(path, "the PDF holds no text, even by OCR")
    return SourceDocument(
        path=str(path),
        sha256=sha,
        format="pdf",
        ocr=any(p.ocr for p in pages),
        text=text,
        pages=pages,
        suspect_lines=unsure,
    )


def _layers_with_tables(path: Path, indexes: list[int]) -> Iterable[tuple[int, OcrPage]]:
    """Text-layer pages that hold ruled tables, re-read with pdfplumber so each table row
    is one `| a | b |` row (pypdfium2 gives a table's cells as loose lines). Tables only
    help: when pdfplumber cannot read a page, that page keeps its plain text layer."""
    if not indexes:
        return []
    import logging

    import pdfplumber

    # pdfminer logs every font it finds odd; none of it matters for the text.
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    found: list[tuple[int, OcrPage]] = []
    try:
        with pdfplumber.open(path) as pdf:
            for index in indexes:
                rows = page_rows_with_tables(pdf.pages[index])
                if rows is not None:
                    found.append((index, OcrPage(rows=rows, confidence=1.0)))
    except Exception:  # pdfminer raises many kinds; the pages not re-read keep their layer
        return found
    return found


def page_rows_with_tables(page) -> list[OcrRow] | None:
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
    rows = [OcrRow(top=line["top"], text=line["text"], ocr=False) for line in prose]
    for table in tables:
        extracted = table.extract()
        for number, (row, cells) in enumerate(zip(table.rows, extracted, strict=False)):
            # None marks a grid place covered by a merged cell: not a cell of its own
            texts = [_cell_text(cell) for cell in cells if cell is not None]
            if any(texts):
                cut = open_bottom and number == len(extracted) - 1 and table.bbox[3] >= bottom - 1
                rows.append(
                    OcrRow(
                        top=row.bbox[1],
                        text=table_row_text(texts),
                        cells=texts,
                        cut=cut,
                        ocr=False,
                    )
                )
    return sorted(rows, key=lambda row: row.top)


def _cell_text(cell: str | None) -> str:
    """A cell's wrapped lines joined: no space between CJK characters, one elsewhere."""
    if not cell:
        return ""
    text = _CJK_WRAP.sub("", cell.strip())
    return " ".join(text.split()).replace("|", "｜")


def read_image(path: Path, sha: str, ocr: OcrEngine) -> SourceDocument:
    from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

    try:
        with Image.open(path) as picture:
            # A phone stores its photos as the sensor saw them, with the turn in EXIF.
            frames = [
                ImageOps.exif_transpose(frame).convert("RGB")
                for frame in ImageSequence.Iterator(picture)
            ]
    except (UnidentifiedImageError, OSError) as exc:
        raise IngestError(path, f"not a readable image ({exc})") from exc
    scanned = [_scan(ocr, number, frame) for number, frame in enumerate(frames, 1)]
    text, unsure = _assemble([page for page, _ in scanned])
    if not text.strip():
        raise IngestError(path, "no text could be read, even by OCR")
    return SourceDocument(
        path=str(path),
        sha256=sha,
        format="image",
        ocr=True,
        text=text,
        pages=[info for _, info in scanned],
        suspect_lines=unsure,
    )


def convert_with_libreoffice(path: Path) -> Path:
    """A .doc/.wps converted to .docx in a temporary folder, by LibreOffice headless."""
    import shutil
    import subprocess
    import tempfile

    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        raise IngestError(
            path,
            "reading .doc/.wps needs LibreOffice (the 'soffice' command); install it "
            "(Debian: apt-get install libreoffice-writer) or save the file as .docx",
        )
    target = Path(tempfile.mkdtemp(prefix="jixiao-doc-"))
    try:
        subprocess.run(
            [office, "--headless", "--convert-to", "docx", "--outdir", str(target), str(path)],
            check=True,
            capture_output=True,
            timeout=LIBREOFFICE_TIMEOUT,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        raise IngestError(path, f"LibreOffice could not convert it ({exc})") from exc
    converted = target / f"{path.stem}.docx"
    if not converted.exists():
        raise IngestError(path, "LibreOffice produced no .docx")
    return converted
