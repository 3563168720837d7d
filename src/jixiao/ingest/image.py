"""Image reader: photos and scans of pages (`.png`, `.jpg`, `.tif`...), read by OCR.

In: an image file, one page per frame (a multi-page TIFF is several pages); a phone's
EXIF turn is applied first.
Out: a `SourceDocument` (format "image", `ocr` set) with the pages' text in order, one
`PageInfo` per page and the stretches OCR was unsure of. A file that is no image, or
shows no text OCR can read, raises `IngestError`.
"""

from __future__ import annotations

import logging
from pathlib import Path

from jixiao.core import SourceDocument
from jixiao.errors import IngestError
from jixiao.ingest.limits import InputLimits, check_pages, check_pixels, over
from jixiao.ingest.ocr import OcrEngine
from jixiao.ingest.rows import assemble

logger = logging.getLogger(__name__)

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp")


class ImageReader:
    suffixes = IMAGE_SUFFIXES

    def read(
        self, path: Path, data: bytes, sha256: str, ocr: OcrEngine | None = None
    ) -> SourceDocument:
        from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

        ocr = ocr or OcrEngine()
        limits = InputLimits.from_environment()
        try:
            with Image.open(path) as picture:
                # the size is in the header: checked before any pixel is decoded
                width, height = picture.size
                check_pixels(path, width, height, limits)
                check_pages(path, getattr(picture, "n_frames", 1), limits)
                # A phone stores its photos as the sensor saw them, with the turn in EXIF.
                frames = [
                    ImageOps.exif_transpose(frame).convert("RGB")
                    for frame in ImageSequence.Iterator(picture)
                ]
        except Image.DecompressionBombError as exc:  # so large Pillow will not open it
            raise over(
                path,
                "a page image",
                "of hundreds of millions of pixels",
                f"{limits.pixels:,} pixels",
                "JIXIAO_MAX_PIXELS",
            ) from exc
        except (UnidentifiedImageError, OSError) as exc:
            raise IngestError(path, f"not a readable image ({exc})") from exc
        logger.info("%s: %d page images for OCR", path, len(frames))
        try:
            scanned = ocr.read_pages(enumerate(frames, 1), len(frames))
        finally:
            for frame in frames:
                frame.close()
        text, unsure = assemble([page for page, _ in scanned])
        if not text.strip():
            raise IngestError(path, "no text could be read, even by OCR")
        return SourceDocument(
            path=str(path),
            sha256=sha256,
            format="image",
            ocr=True,
            text=text,
            pages=[info for _, info in scanned],
            suspect_lines=unsure,
            scans=[page.scan for page, _ in scanned if page.scan],
        )
