"""Page images beside the outputs: scanned pages kept, and evidence found on them.

In (saving): the output folder, a report's output name, its `SourceDocument` (whose
`scans` hold the pages OCR read: JPEG and text boxes) and its normalized text.
Out (saving): `OUT/.pages/<name>/page-N.jpg` per scanned page and `boxes.json`:
`{"version": 1, "sha256": ..., "pages": [{"page": 1, "file": "page-1.jpg", "width": W,
"height": H}], "boxes": [{"page": 1, "start": s, "end": e, "left": x0, "top": y0,
"right": x1, "bottom": y1, "words": [[s, e, x0, x1], ...]}]}`: each OCR piece found in the
normalized text, with the span it stands for there (`start`/`end`, offsets into the
normalized text) and its place on the page as shares (0..1) of the image; `words` the
same for its words, so part of a line can be marked. A report with no scanned page has
no folder (a stale one is emptied). Nothing is written through a symbolic link.
In (reading): the output folder and a report name; spans of the normalized text.
Out (reading): `SavedPages` (None when there are none, they belong to another input, or a
link stands anywhere on the way) and `marks`, the rectangles on the pages that show a span.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from jixiao.core import PageScan, SourceDocument
from jixiao.files import write_bytes_atomic, write_text_atomic
from jixiao.patterns import FOLD

logger = logging.getLogger(__name__)

PAGES_DIR = ".pages"
BOXES_NAME = "boxes.json"
PAGES_VERSION = 1
SHORT_KEY = 3  # a piece shorter than this (squashed) is only looked for close by ...
SHORT_REACH = 40  # ... within this many characters of where the last piece was found
LONG_REACH = 400  # a longer piece: within this many, or 20 times its length
_SKIPPED = frozenset("|")  # table separators: in the text, not on the page


class SavedPage(BaseModel):
    page: int
    file: str
    width: int
    height: int


class SavedBox(BaseModel):
    page: int
    start: int
    end: int
    left: float
    top: float
    right: float
    bottom: float
    words: list[tuple[int, int, float, float]] = Field(default_factory=list)


class SavedPages(BaseModel):
    """A report's `boxes.json`, and the folder its page images are in."""

    version: int = PAGES_VERSION
    sha256: str
    pages: list[SavedPage]
    boxes: list[SavedBox] = Field(default_factory=list)
    folder: Path | None = Field(default=None, exclude=True)

    def image(self, number: int) -> Path | None:
        """The image file of page `number`, when it is a plain file (no link)."""
        page = next((p for p in self.pages if p.page == number), None)
        if page is None or self.folder is None:
            return None
        path = self.folder / page.file
        if path.parent != self.folder or path.is_symlink() or not path.is_file():
            return None
        return path


@dataclass
class Mark:
    """A rectangle on a page (shares of its width and height) and the fields it backs."""

    page: int
    left: float
    top: float
    right: float
    bottom: float
    fields: list[str] = field(default_factory=list)

    @property
    def style(self) -> str:
        """CSS placing the rectangle over the page image, in percent."""
        return (
            f"left:{self.left * 100:.2f}%;top:{self.top * 100:.2f}%;"
            f"width:{(self.right - self.left) * 100:.2f}%;"
            f"height:{(self.bottom - self.top) * 100:.2f}%"
        )


def pages_folder(out_dir: Path, name: str) -> Path:
    return out_dir / PAGES_DIR / name


def _linked(out_dir: Path, path: Path) -> bool:
    """Whether a symbolic link stands anywhere from `out_dir` (exclusive) down to `path`."""
    try:
        parts = path.relative_to(out_dir).parts
    except ValueError:
        return True
    if ".." in parts:
        return True
    current = out_dir
    for part in parts:
        current = current / part
        if current.is_symlink():
            return True
    return False


def _squashed(text: str) -> tuple[str, list[int]]:
    """`text` folded, without white space and table separators, and where each of the
    characters kept stood in `text` (full-width figure forms fold one to one)."""
    chars, offsets = [], []
    for position, char in enumerate(text.translate(FOLD)):
        if not char.isspace() and char not in _SKIPPED:
            chars.append(char)
            offsets.append(position)
    return "".join(chars), offsets


def _key(text: str) -> str:
    return _squashed(text)[0]


def align(scans: list[PageScan], text: str) -> list[SavedBox]:
    """Each OCR piece located in the normalized text, in reading order: looked for a
    little ahead of the last piece found (the text is the pages' text, normalized), so a
    short piece ("1", "万元") is not taken from far away. Pieces normalization dropped (a
    page number, a running head) are not found and have no box."""
    flat, offsets = _squashed(text)
    boxes: list[SavedBox] = []
    cursor = 0
    missed = 0
    for scan in scans:
        for piece in scan.boxes:
            key = _key(piece.text)
            if not key:
                continue
            reach = SHORT_REACH if len(key) < SHORT_KEY else max(LONG_REACH, 20 * len(key))
            at = flat.find(key, cursor, cursor + reach + len(key))
            if at < 0:
                missed += 1
                continue
            words = []
            position = at
            for word, left, right in piece.words:
                word_key = _key(word)
                if not word_key:
                    continue
                if flat[position : position + len(word_key)] != word_key:
                    break
                last = position + len(word_key) - 1
                words.append((offsets[position], offsets[last] + 1, left, right))
                position += len(word_key)
            boxes.append(
                SavedBox(
                    page=scan.page,
                    start=offsets[at],
                    end=offsets[at + len(key) - 1] + 1,
                    left=piece.left,
                    top=piece.top,
                    right=piece.right,
                    bottom=piece.bottom,
                    words=words,
                )
            )
            cursor = at + len(key)
    logger.debug("%d OCR pieces placed in the text, %d not found", len(boxes), missed)
    return boxes


def _clear(folder: Path) -> None:
    """Remove what an earlier run kept in `folder` (its page images and boxes only)."""
    if not folder.is_dir():
        return
    for old in [*folder.glob("page-*.jpg"), folder / BOXES_NAME]:
        if old.is_file() or old.is_symlink():
            old.unlink()


def save_pages(out_dir: Path, name: str, document: SourceDocument, text: str) -> Path | None:
    """Keep a report's scanned pages beside its outputs (see the module's docstring);
    returns the `boxes.json` written, or None (no scanned page, or not writable there:
    then the review page shows the text alone, and the report's outputs stand)."""
    folder = pages_folder(out_dir, name)
    if _linked(out_dir, folder):
        logger.warning("%s: a link stands in the way; its page images are not kept", folder)
        return None
    try:
        _clear(folder)
        if not document.scans:
            return None
        saved = SavedPages(
            sha256=document.sha256,
            pages=[
                SavedPage(page=s.page, file=f"page-{s.page}.jpg", width=s.width, height=s.height)
                for s in document.scans
            ],
            boxes=align(document.scans, text),
        )
        for scan in document.scans:
            write_bytes_atomic(folder / f"page-{scan.page}.jpg", scan.jpeg)
        target = folder / BOXES_NAME
        write_text_atomic(target, saved.model_dump_json() + "\n")
    except OSError:
        logger.warning("%s: page images not kept", folder, exc_info=True)
        return None
    logger.info(
        "%s: %d page images and %d text boxes kept", name, len(saved.pages), len(saved.boxes)
    )
    return target


def load_pages(out_dir: Path, name: str, sha256: str | None = None) -> SavedPages | None:
    """A report's kept pages; None when there are none, when they were kept for another
    input than `sha256`, or when a link stands anywhere on the way to them."""
    folder = pages_folder(out_dir, name)
    path = folder / BOXES_NAME
    if _linked(out_dir, path) or not path.is_file():
        return None
    try:
        raw: Any = json.loads(path.read_text(encoding="utf-8"))
        saved = SavedPages.model_validate(raw)
    except (OSError, ValueError, ValidationError):
        logger.warning("%s: not readable; its pages are not shown", path, exc_info=True)
        return None
    if saved.version != PAGES_VERSION or (sha256 is not None and saved.sha256 != sha256):
        return None
    saved.folder = folder
    return saved


def marks(saved: SavedPages, spans: list[tuple[int, int, str]]) -> list[Mark]:
    """The rectangles on the pages showing each span (start, end, field path) of the
    normalized text: a piece wholly inside the span is marked whole, a piece the span
    covers in part only over the words it covers. Rectangles shared by fields are one."""
    found: dict[tuple[int, float, float, float, float], Mark] = {}
    for start, end, path in spans:
        for box in saved.boxes:
            if box.end <= start or end <= box.start:
                continue
            left, right = box.left, box.right
            if not (start <= box.start and box.end <= end):
                inside = [(a, b) for s, e, a, b in box.words if s < end and start < e]
                if inside:
                    left, right = min(a for a, _ in inside), max(b for _, b in inside)
            key = (box.page, left, box.top, right, box.bottom)
            mark = found.setdefault(key, Mark(box.page, left, box.top, right, box.bottom))
            if path not in mark.fields:
                mark.fields.append(path)
    return sorted(found.values(), key=lambda m: (m.page, m.top, m.left))
