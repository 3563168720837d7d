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

from jixiao.core import SourceDocument
from jixiao.errors import IngestError

if TYPE_CHECKING:
    from jixiao.ingest.ocr import OcrEngine

logger = logging.getLogger(__name__)

# charset-normalizer names the narrowest legacy codec that fits; decode with the
# superset so that rare characters outside GB2312/GBK still decode.
_ENCODING_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "cp936": "gb18030", "ascii": "utf_8"}


class TextReader:
    suffixes = (".txt",)

    def read(
        self, path: Path, data: bytes, sha256: str, ocr: OcrEngine | None = None
    ) -> SourceDocument:
        text, encoding = decode_text(data, path)
        return SourceDocument(
            path=str(path), sha256=sha256, format="txt", encoding=encoding, text=text
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
    logger.debug("%s: decoded as %s (detected %s)", path, encoding, match.encoding)
    return text, encoding
