"""Text reader: a `.txt` file in whatever encoding a Chinese office saved it.

In: the file's bytes: UTF-8, UTF-8 with BOM, GB18030/GBK/GB2312 or UTF-16, detected by
charset-normalizer.
Out: a `SourceDocument` (format "txt") with the text and the encoding used. Bytes that
are no text (no encoding fits, NUL characters) raise `IngestError`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from charset_normalizer import from_bytes

from jixiao.core import SourceDocument, SuspectLine
from jixiao.errors import IngestError

if TYPE_CHECKING:
    from jixiao.ingest.ocr import OcrEngine

logger = logging.getLogger(__name__)

# charset-normalizer names the narrowest legacy codec that fits; decode with the
# superset so that rare characters outside GB2312/GBK still decode.
REPLACEMENT = "\ufffd"
ENCODING_REPAIRED = "encoding_repaired"  # the flag on values read where a byte was replaced
MAX_REPAIRED_BYTES = 3  # bad bytes tolerated in a short file (one per thousand in longer)
_ENCODING_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "cp936": "gb18030", "ascii": "utf_8"}


class TextReader:
    suffixes = (".txt",)

    def read(
        self, path: Path, data: bytes, sha256: str, ocr: OcrEngine | None = None
    ) -> SourceDocument:
        try:
            text, encoding = decode_text(data, path)
        except IngestError:
            repaired = decode_nearly_utf8(data)
            if repaired is None:
                raise
            logger.warning("%s: bad bytes in UTF-8 text replaced and flagged", path)
            return SourceDocument(
                path=str(path),
                sha256=sha256,
                format="txt",
                encoding="utf_8 (repaired)",
                text=repaired,
                suspect_lines=[
                    SuspectLine(text=line, reason=ENCODING_REPAIRED)
                    for line in repaired.splitlines()
                    if REPLACEMENT in line
                ],
            )
        return SourceDocument(
            path=str(path), sha256=sha256, format="txt", encoding=encoding, text=text
        )


def decode_nearly_utf8(data: bytes) -> str | None:
    """UTF-8 text with a few bad bytes (a damaged download), each replaced by U+FFFD; None
    when the bytes are not mostly UTF-8 text."""
    text = data.decode("utf-8", errors="replace").removeprefix("\ufeff")
    bad = text.count(REPLACEMENT)
    if bad == 0 or bad > max(MAX_REPAIRED_BYTES, len(text) // 1000) or "\x00" in text:
        return None
    return text


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
    logger.debug("%s: decoded as %s (detected %s)", path, encoding, match.encoding)
    return text, encoding
