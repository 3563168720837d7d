"""A messy-scan generator: a report's text -> degraded page images -> an image-only PDF.

Renders the normalized text of a report onto A4 pages at 150 dpi with a CJK font from
Debian (fonts-noto-cjk): paragraphs wrapped to the page, table rows laid out in columns.
Then degrades each page as a scanner and a phone would: a rotation of a few degrees,
blur, noise and JPEG artefacts. The pages are wrapped into a PDF with no text layer.
Deterministic for a given seed.
"""

from __future__ import annotations

import io
import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from jixiao.core import BlockKind
from jixiao.ingest import read_source
from jixiao.normalize import normalize_document
from jixiao.segment import segment

FONT_PATHS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
)
DPI = 150
PAGE = (1240, 1754)  # A4 at 150 dpi
MARGIN = 90
FONT_SIZE = 24
LINE_GAP = 14
PADDING = 10


def _font() -> ImageFont.FreeTypeFont:
    for path in FONT_PATHS:
        if Path(path).exists():
            return ImageFont.truetype(path, FONT_SIZE)
    raise FileNotFoundError("no CJK font: install Debian's fonts-noto-cjk")


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    lines, current = [], ""
    for character in text:
        if font.getlength(current + character) > width:
            lines.append(current)
            current = character
        else:
            current += character
    return [*lines, current] if current else lines or [""]


def _column_widths(rows: list[list[str]], font, width: int) -> list[int]:
    """Widths like a word processor's: by content, each at least a few characters."""
    wanted = [0.0] * len(rows[0])
    for row in rows:
        for i, cell in enumerate(row):
            wanted[i] = max(wanted[i], min(font.getlength(cell), width * 0.6))
    minimum = font.getlength("一二三四")
    wanted = [max(w, minimum) + 2 * PADDING for w in wanted]
    scale = width / sum(wanted)
    return [int(w * scale) for w in wanted]


def layout(text: str, blocks, font):
    """Page items in order: ("line", text) for prose and ("row", [cells]) for tables, each
    cell as (x, width, wrapped lines). Rows with as many cells share column widths."""
    width = PAGE[0] - 2 * MARGIN
    items: list = []
    for block in blocks:
        if block.kind is not BlockKind.TABLE:
            items += [
                ("line", line) for line in _wrap(text[block.start : block.end].strip(), font, width)
            ]
            continue
        rows = [[" ".join(c.text.split()) for c in row] for row in block.rows]
        shapes = {
            len(row): _column_widths([r for r in rows if len(r) == len(row)], font, width)
            for row in rows
        }
        for row in rows:
            cells, x = [], MARGIN
            for cell, cell_width in zip(row, shapes[len(row)], strict=True):
                cells.append((x, cell_width, _wrap(cell, font, cell_width - 2 * PADDING)))
                x += cell_width
            items.append(("row", cells))
    return items


def render_pages(report: Path) -> list[Image.Image]:
    normalized = normalize_document(read_source(report))
    font = _font()
    line_height = FONT_SIZE + LINE_GAP
    pages: list[Image.Image] = []
    state = {"draw": None, "y": PAGE[1]}

    def room(height: int) -> None:
        if state["y"] + height > PAGE[1] - MARGIN:
            page = Image.new("L", PAGE, 255)
            pages.append(page)
            state["draw"], state["y"] = ImageDraw.Draw(page), MARGIN

    for item in layout(normalized.text, segment(normalized), font):
        if item[0] == "line":
            room(line_height)
            state["draw"].text((MARGIN, state["y"]), item[1], font=font, fill=0)
            state["y"] += line_height
            continue
        cells = item[1]
        total = max(len(wrapped) or 1 for _, _, wrapped in cells)
        first = 0
        while first < total:  # a row taller than the page goes on over the next one
            room(2 * PADDING + line_height)
            fits = max(1, (PAGE[1] - MARGIN - state["y"] - 2 * PADDING) // line_height)
            last = min(total, first + fits)
            height = (last - first) * line_height + 2 * PADDING
            top = state["y"]
            for x, cell_width, wrapped in cells:
                state["draw"].rectangle((x, top, x + cell_width, top + height), outline=0, width=2)
                for number, piece in enumerate(wrapped[first:last]):
                    state["draw"].text(
                        (x + PADDING, top + PADDING + number * line_height),
                        piece,
                        font=font,
                        fill=0,
                    )
            state["y"] = top + height
            first = last
    return pages


def _jpeg(image: Image.Image, quality: int) -> Image.Image:
    """The image as it comes back from being saved as a JPEG (with its artefacts)."""
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=quality)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")


def _write_pdf(pages: list[Image.Image], target: Path) -> int:
    """An image-only PDF of the pages, no text layer; returns the page count."""
    target.parent.mkdir(parents=True, exist_ok=True)
    pages[0].save(target, format="PDF", save_all=True, append_images=pages[1:], resolution=DPI)
    return len(pages)


def degrade(page: Image.Image, rng: random.Random, rotate: float | None = None) -> Image.Image:
    angle = rotate if rotate is not None else rng.uniform(-2.5, 2.5)
    messy = page.rotate(angle, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=255)
    messy = messy.filter(ImageFilter.GaussianBlur(radius=0.8))
    noise = Image.effect_noise(messy.size, 18)
    messy = Image.blend(messy, noise, 0.08)
    return _jpeg(messy, quality=55)


def scanned_pdf(
    report: Path, target: Path, seed: int = 7, turn_page: int | None = None, turn: int = 180
) -> int:
    """Write an image-only PDF of `report` as a messy scan; returns the page count.

    `turn_page` (0-based) is scanned turned by `turn` degrees counter-clockwise (180:
    upside down, 90 or 270: on its side), to exercise orientation fixing.
    """
    rng = random.Random(seed)
    pages = [degrade(page, rng) for page in render_pages(report)]
    if turn_page is not None and turn_page < len(pages):
        pages[turn_page] = pages[turn_page].rotate(turn, expand=True)
    return _write_pdf(pages, target)


def _perspective_coefficients(source: list[tuple[float, float]], target: list[tuple[float, float]]):
    """PIL's PERSPECTIVE data: for each output pixel, where to sample the input."""
    import numpy

    matrix, vector = [], []
    for (x, y), (u, v) in zip(target, source, strict=True):
        matrix.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        matrix.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        vector += [u, v]
    return numpy.linalg.solve(numpy.array(matrix, float), numpy.array(vector, float)).tolist()


def photograph(
    page: Image.Image, rng: random.Random, shadow_at: tuple[float, float] | None = None
) -> Image.Image:
    """A page as a phone photographs it: lying on a desk, seen at a slant (perspective),
    lit unevenly from one side with a soft shadow, a little out of focus, JPEG-saved.
    `shadow_at` places the shadow's middle (shares of the frame's width and height)."""
    import numpy

    width, height = page.size
    frame = (int(width * 1.16), int(height * 1.12))
    left, top = (frame[0] - width) // 2, (frame[1] - height) // 2
    desk = Image.new("RGB", frame, (118, 104, 92))
    desk = Image.blend(desk, Image.effect_noise(frame, 40).convert("RGB"), 0.15)
    paper = Image.merge(
        "RGB", [page.point(lambda v, tint=t: v * tint // 255) for t in (246, 240, 228)]
    )
    desk.paste(paper, (left, top))
    slant = [rng.uniform(0.02, 0.06) for _ in range(4)]
    corners = [(left, top), (left + width, top), (left + width, top + height), (left, top + height)]
    seen = [
        (left + width * slant[0], top + height * slant[0] / 2),
        (left + width * (1 - slant[1] / 2), top),
        (left + width * (1 - slant[2]), top + height * (1 - slant[2] / 3)),
        (left, top + height * (1 - slant[3] / 3)),
    ]
    photo = desk.transform(
        frame,
        Image.Transform.PERSPECTIVE,
        _perspective_coefficients(corners, seen),
        resample=Image.Resampling.BICUBIC,
        fillcolor=(118, 104, 92),
    )
    ys, xs = numpy.mgrid[0 : frame[1], 0 : frame[0]]
    light = 1.0 - 0.45 * (xs / frame[0]) * (0.6 + 0.4 * ys / frame[1])
    drawn = rng.uniform(0.2, 0.8), rng.uniform(0.5, 0.9)  # drawn always: same seed, same slant
    cx, cy = (share * side for share, side in zip(shadow_at or drawn, frame, strict=True))
    shadow = 0.25 * numpy.exp(
        -(((xs - cx) / (frame[0] * 0.25)) ** 2 + ((ys - cy) / (frame[1] * 0.2)) ** 2)
    )
    lit = numpy.asarray(photo, float) * (light - shadow)[..., None]
    photo = Image.fromarray(numpy.clip(lit, 0, 255).astype("uint8"))
    photo = photo.filter(ImageFilter.GaussianBlur(radius=1.0))
    return _jpeg(photo, quality=75)


def photographed_pdf(report: Path, target: Path, seed: int = 7) -> int:
    """Write a PDF of `report` as a phone scanning app makes one: a photo per page."""
    rng = random.Random(seed)
    pages = [photograph(page, rng) for page in render_pages(report)]
    return _write_pdf(pages, target)
