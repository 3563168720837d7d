"""Page snapshots: a page image OCR read and its text pieces -> a small `PageScan`.

In: the page number, the page image OCR read (PIL, upright and levelled: the boxes stand
on it) and the OCR pieces (`OcrLine`s: text, box and word edges in that image's pixels)
in reading order.
Out: a `PageScan`: the image as a JPEG of moderate quality, downscaled so its longer side
is at most `MAX_SIDE` pixels, and each piece's box and word edges as shares (0..1) of
the image's width and height, so they fit the image at any size it is shown.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from typing import Any

from jixiao.core import PageBox, PageScan

logger = logging.getLogger(__name__)

MAX_SIDE = 1600  # pixels: the longer side of a kept page image
JPEG_QUALITY = 70
PLACES = 4  # decimals kept of a share of the page (0.1 px on a 1600 px page)


def snapshot(number: int, image: Any, pieces: Sequence[Any]) -> PageScan:
    """Page `number` as kept beside the outputs: the image downscaled and compressed, the
    pieces' boxes as shares of it."""
    width, height = image.size
    small = image.convert("RGB")
    small.thumbnail((MAX_SIDE, MAX_SIDE))
    buffer = io.BytesIO()
    small.save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=True)

    def across(x: float) -> float:
        return round(min(1.0, max(0.0, x / max(1, width))), PLACES)

    def down(y: float) -> float:
        return round(min(1.0, max(0.0, y / max(1, height))), PLACES)

    boxes = [
        PageBox(
            text=piece.text,
            left=across(piece.left),
            top=down(piece.top),
            right=across(piece.right),
            bottom=down(piece.bottom),
            words=[(text, across(left), across(right)) for text, left, right in piece.words],
        )
        for piece in pieces
        if piece.text.strip()
    ]
    logger.debug(
        "page %d kept as %dx%d JPEG (%d bytes) with %d boxes",
        number,
        small.size[0],
        small.size[1],
        buffer.tell(),
        len(boxes),
    )
    return PageScan(
        page=number, jpeg=buffer.getvalue(), width=small.size[0], height=small.size[1], boxes=boxes
    )
