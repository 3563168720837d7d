"""OCR cache: a page image read once, its rows kept on disk for every later run.

In: a page image (PIL, as handed to `OcrEngine.page`: rendered from a PDF or decoded
from an image file) and the page it was read as (`PageRows`).
Out: `OcrCache.key(image)`, a sha256 over the image's pixels, mode and size and over
`ocr_fingerprint()` (the OCR settings: rapidocr, onnxruntime, OpenCV, numpy and Pillow
versions, the model files' hashes, the engine's parameters and the source of the modules
that turn OCR boxes into rows); `get(key)` gives the cached `PageRows` or None; `put`
stores one. Entries are JSON in a diskcache folder (by default `.jixiao-cache/ocr/`,
beside the LLM cache), safe to share between processes. Any change of library, model or
OCR code changes every key, so a stale reading is never served.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import logging
import sqlite3
from importlib import metadata, resources
from pathlib import Path
from typing import Any

from jixiao.core import PageBox, PageScan
from jixiao.ingest.base import PageRow, PageRows

logger = logging.getLogger(__name__)

CACHE_FORMAT = 1  # bump when the stored JSON changes shape
# The modules whose code decides what a page's rows are, beside the engine itself.
_CODE_MODULES = ("ocr.py", "pageimage.py", "base.py", "ocrcache.py")
_LIBRARIES = ("rapidocr", "onnxruntime", "opencv-python-headless", "numpy", "pillow")


@functools.cache
def ocr_fingerprint() -> str:
    """A hash of every OCR setting that can change a page's reading (computed once)."""
    from jixiao.ingest.ocr import OcrEngine

    versions: dict[str, str | None] = {}
    for name in _LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    models = resources.files("rapidocr") / "models"
    model_hashes = {
        name: hashlib.sha256((models / name).read_bytes()).hexdigest()
        for name in sorted(OcrEngine.MODEL_FILES.values())
    }
    package = resources.files("jixiao.ingest")
    code = hashlib.sha256()
    for name in _CODE_MODULES:
        code.update((package / name).read_bytes())
    settings = {
        "format": CACHE_FORMAT,
        "libraries": versions,
        "models": model_hashes,
        "engine": OcrEngine.parameters(use_cls=False),
        "code": code.hexdigest(),
    }
    fingerprint = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()
    logger.debug("OCR settings fingerprint %s: %s", fingerprint[:12], settings)
    return fingerprint


def image_key(image) -> str:
    """The cache key of a page image: its pixels, mode and size under the OCR settings."""
    digest = hashlib.sha256(ocr_fingerprint().encode())
    digest.update(f"{image.mode} {image.size[0]}x{image.size[1]}".encode())
    digest.update(image.tobytes())
    return digest.hexdigest()


def page_to_json(page: PageRows) -> dict[str, Any]:
    """A page's rows as plain JSON values (what the cache stores)."""
    return {
        "rows": [
            {
                "top": row.top,
                "text": row.text,
                "cells": row.cells,
                "cut": row.cut,
                "ocr": row.ocr,
                "unsure": row.unsure,
            }
            for row in page.rows
        ],
        "confidence": page.confidence,
        "rotation": page.rotation,
        "lines": page.lines,
        "scan": None
        if page.scan is None
        else {
            "page": page.scan.page,
            "jpeg": base64.b64encode(page.scan.jpeg).decode("ascii"),
            "width": page.scan.width,
            "height": page.scan.height,
            "boxes": [box.model_dump(mode="json") for box in page.scan.boxes],
        },
    }


def page_from_json(data: dict[str, Any]) -> PageRows:
    """The `PageRows` that `page_to_json` wrote. Raises KeyError/TypeError when malformed."""
    return PageRows(
        rows=[PageRow(**row) for row in data["rows"]],
        confidence=data["confidence"],
        rotation=data["rotation"],
        lines=data["lines"],
        scan=_scan_from_json(data.get("scan")),
    )


class OcrCache:
    """Pages read by OCR, on disk in `folder` (a diskcache), keyed by `image_key`.

    A folder that cannot be opened or written (read-only, full) costs the cache, never
    the reading: a warning is logged once and the pages are read as if not cached."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.broken = False

    @functools.cached_property
    def _store(self) -> Any:
        import diskcache

        self.folder.mkdir(parents=True, exist_ok=True)
        return diskcache.Cache(str(self.folder))

    def get(self, key: str) -> PageRows | None:
        """The page cached under `key`, or None (never cached, or unreadable)."""
        if self.broken:
            return None
        try:
            raw = self._store.get(key)
        except (OSError, sqlite3.Error) as exc:
            self._break(exc)
            return None
        if raw is None:
            return None
        try:
            return page_from_json(json.loads(raw))
        except (ValueError, KeyError, TypeError):
            logger.warning("OCR cache entry %s in %s is unreadable; read again", key, self.folder)
            return None

    def put(self, key: str, page: PageRows) -> None:
        """Keep `page` under `key` (nothing when the folder is unusable)."""
        if self.broken:
            return
        try:
            self._store.set(key, json.dumps(page_to_json(page), ensure_ascii=False))
        except (OSError, sqlite3.Error) as exc:
            self._break(exc)

    def _break(self, exc: Exception) -> None:
        logger.warning("OCR cache %s unusable (%s); pages are read without it", self.folder, exc)
        self.broken = True

    def close(self) -> None:
        if "_store" in self.__dict__:
            self._store.close()
            del self.__dict__["_store"]


def _scan_from_json(data: dict[str, Any] | None) -> PageScan | None:
    if not data:
        return None
    return PageScan(
        page=data["page"],
        jpeg=base64.b64decode(data["jpeg"]),
        width=data["width"],
        height=data["height"],
        boxes=[PageBox.model_validate(box) for box in data["boxes"]],
    )
