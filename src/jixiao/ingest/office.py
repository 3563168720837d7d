"""Old Word reader: `.doc` and `.wps` files, converted to .docx by LibreOffice headless.

In: a `.doc`/`.wps` file; the `soffice` (or `libreoffice`) command must be installed.
Out: a `SourceDocument` (format "doc") with the converted document's paragraphs and
tables in order. The conversion happens in a temporary folder that is always removed.
No LibreOffice, a failed or timed-out conversion, or no output raise `IngestError`.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from jixiao.core import SourceDocument
from jixiao.errors import IngestError
from jixiao.ingest.docx import read_docx_blocks

if TYPE_CHECKING:
    from jixiao.ingest.ocr import OcrEngine

logger = logging.getLogger(__name__)

LIBREOFFICE_TIMEOUT = 180  # seconds one conversion may take


class OfficeReader:
    suffixes = (".doc", ".wps")

    def read(
        self, path: Path, data: bytes, sha256: str, ocr: OcrEngine | None = None
    ) -> SourceDocument:
        office = shutil.which("soffice") or shutil.which("libreoffice")
        if office is None:
            raise IngestError(
                path,
                "reading .doc/.wps needs LibreOffice (the 'soffice' command); install it "
                "(Debian: apt-get install libreoffice-writer) or save the file as .docx",
            )
        with tempfile.TemporaryDirectory(prefix="jixiao-doc-") as scratch:
            converted = convert_with_libreoffice(office, path, Path(scratch))
            blocks = read_docx_blocks(converted)
        return SourceDocument(path=str(path), sha256=sha256, format="doc", blocks=blocks)


def convert_with_libreoffice(office: str, path: Path, target: Path) -> Path:
    """`path` converted to .docx in the folder `target` by LibreOffice headless."""
    logger.info("%s: converting to .docx with %s", path, office)
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
