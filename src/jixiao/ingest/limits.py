"""Input limits: what one report file may cost before it is refused.

In: the environment (`JIXIAO_MAX_FILE_MB`, `JIXIAO_MAX_PAGES`, `JIXIAO_MAX_PIXELS`,
`JIXIAO_MAX_UNZIPPED_MB`, `JIXIAO_MAX_ZIP_RATIO`, `JIXIAO_MAX_PAGE_POINTS`) or the defaults.
Out: `InputLimits` and checks that raise `IngestError` naming the file, the limit and
how to raise it. Limits keep one hostile or broken file (a zip bomb .docx, a 20000²
image, a 500-page scan, a PDF page the size of a field) from stalling a batch or filling
the memory; every other report of the batch is still read.
"""

from __future__ import annotations

import logging
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

from jixiao.errors import IngestError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class InputLimits:
    file_mb: float = 100.0  # bytes of the file itself
    pages: int = 300  # pages of a PDF or frames of an image
    pixels: int = 60_000_000  # pixels of one page image (a 200-dpi A3 page is ~11 million)
    unzipped_mb: float = 200.0  # what a .docx unpacks to
    zip_ratio: float = 200.0  # unpacked ÷ packed size of a .docx (text packs ~5-20 times)
    page_points: float = 14_400.0  # a PDF page's longer side in points (5 m; A0 is 3370)

    @classmethod
    def from_environment(cls) -> InputLimits:
        def read(name: str, default: float) -> float:
            raw = os.environ.get(name)
            if raw is None:
                return default
            try:
                return float(raw)
            except ValueError:
                logger.warning("%s=%r is not a number; using %s", name, raw, default)
                return default

        base = cls()
        return cls(
            file_mb=read("JIXIAO_MAX_FILE_MB", base.file_mb),
            pages=int(read("JIXIAO_MAX_PAGES", base.pages)),
            pixels=int(read("JIXIAO_MAX_PIXELS", base.pixels)),
            unzipped_mb=read("JIXIAO_MAX_UNZIPPED_MB", base.unzipped_mb),
            zip_ratio=read("JIXIAO_MAX_ZIP_RATIO", base.zip_ratio),
            page_points=read("JIXIAO_MAX_PAGE_POINTS", base.page_points),
        )


def over(path: Path | str, what: str, found: str, limit: str, variable: str) -> IngestError:
    """The error for a file over a limit: which, by how much, and how to raise it."""
    return IngestError(
        path,
        f"{what} {found} is over the limit of {limit} (raise it with {variable}); "
        f"超过限制 {limit}，可用 {variable} 调高",
    )


def check_file_size(path: Path, size: int, limits: InputLimits) -> None:
    mb = size / 1_000_000
    if mb > limits.file_mb:
        raise over(
            path, "the file's size", f"{mb:.1f} MB", f"{limits.file_mb:g} MB", "JIXIAO_MAX_FILE_MB"
        )


def check_pages(path: Path, pages: int, limits: InputLimits) -> None:
    if pages > limits.pages:
        raise over(path, "the page count", str(pages), str(limits.pages), "JIXIAO_MAX_PAGES")


def check_pixels(path: Path, width: int, height: int, limits: InputLimits) -> None:
    if width * height > limits.pixels:
        raise over(
            path,
            "a page image",
            f"{width}×{height} pixels",
            f"{limits.pixels:,} pixels",
            "JIXIAO_MAX_PIXELS",
        )


def check_page_size(path: Path, width: float, height: float, limits: InputLimits) -> None:
    if max(width, height) > limits.page_points:
        raise over(
            path,
            "a page",
            f"{width:.0f}×{height:.0f} points",
            f"{limits.page_points:g} points",
            "JIXIAO_MAX_PAGE_POINTS",
        )


def check_archive(path: Path, limits: InputLimits) -> None:
    """A .docx is a zip archive: refuse one that unpacks to far more than it holds."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise IngestError(path, f"not a readable .docx file ({type(exc).__name__})") from exc
    unpacked = sum(member.file_size for member in members)
    packed = max(1, sum(member.compress_size for member in members))
    if unpacked / 1_000_000 > limits.unzipped_mb:
        raise over(
            path,
            "what the .docx unpacks to",
            f"{unpacked / 1_000_000:.0f} MB",
            f"{limits.unzipped_mb:g} MB",
            "JIXIAO_MAX_UNZIPPED_MB",
        )
    if unpacked / packed > limits.zip_ratio:
        raise over(
            path,
            "the .docx's packing ratio",
            f"{unpacked / packed:.0f}:1",
            f"{limits.zip_ratio:g}:1",
            "JIXIAO_MAX_ZIP_RATIO",
        )
