"""Page images before OCR: photographed pages cut out and flattened, scans levelled.

In: a page image (PIL) from a scanner, a scanned PDF or a phone camera.
Out: the same page ready for recognition. A page photographed on a darker surface is cut
out along its four corners and warped back to a rectangle (`find_paper`); light that
falls unevenly across it (a lamp on one side, a hand's shadow) is divided out
(`flatten_light`); a scan turned a few degrees is levelled (`skew_angle`). A clean scan
passes through unchanged, so its OCR text does not depend on this stage.
"""

from __future__ import annotations

from typing import Any

PROBE_SIDE = 1000  # pixels: paper and light are judged on a smaller copy
PAPER_MIN_SHARE = 0.25  # the paper covers at least this share of a photo ...
PAPER_MAX_SHARE = 0.97  # ... and less than this (else the image is the page itself)
MIN_SIDE_SHARE = 0.05  # a side of the paper is at least this share of its outline
EDGE_SEARCH = 0.1  # share of the probe's size searched across a side for the true edge
EDGE_WINDOW = 12  # probe pixels averaged on either side of a candidate edge
EDGE_SAMPLES = 60  # places along a side where its edge is looked for
EDGE_MIN_STEP = 0.25  # log brightness: paper at least ~1.3 times as bright as beyond
MAX_SIDE_TILT = 25  # degrees a side may lean from level or upright (perspective, skew)
PAPER_MIN_CONTRAST = 40  # grey levels the paper stands above its surroundings
PAPER_TRIM = 0.005  # share of the paper's size trimmed off its edges once cut out
UNEVEN_LIGHT_SPREAD = 35  # grey levels between the paper's darkest and brightest parts
MAX_SKEW_DEGREES = 5.0
SKEW_STEP_DEGREES = 0.25
MIN_SKEW_DEGREES = 0.25
SKEW_PROBE_SIDE = 900
BICUBIC = 3  # PIL.Image.Resampling.BICUBIC, without importing PIL at module load


def prepare_page(image: Any) -> Any:
    """A page image as OCR reads best: paper alone, evenly lit, level."""
    image = find_paper(image) or image
    image = flatten_light(image)
    skew = skew_angle(image)
    if abs(skew) >= MIN_SKEW_DEGREES:
        image = image.rotate(skew, resample=BICUBIC, fillcolor="white")
    return image


def _grey_probe(image: Any) -> tuple[Any, float]:
    """A small grey copy of the image and the factor from it back to full size."""
    import numpy

    probe = image.convert("L")
    probe.thumbnail((PROBE_SIDE, PROBE_SIDE))
    return numpy.asarray(probe), image.size[0] / probe.size[0]


def find_paper(image: Any) -> Any | None:
    """The sheet of paper in a photo, warped to a rectangle; None when the image holds
    no sheet standing out from a darker surround (a scan, or a photo filling the frame)."""
    import cv2
    import numpy
    from PIL import Image

    grey, scale = _grey_probe(image)
    smooth = cv2.GaussianBlur(grey, (5, 5), 0)
    _, bright = cv2.threshold(smooth, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    # Close the paper over its own text so it is one bright shape.
    bright = cv2.morphologyEx(bright, cv2.MORPH_CLOSE, numpy.ones((25, 25), numpy.uint8))
    contours, _ = cv2.findContours(bright, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    # The hull: a shadow falling on the paper bites into its bright shape, not its outline.
    outline = cv2.convexHull(max(contours, key=cv2.contourArea))
    share = cv2.contourArea(outline) / grey.size
    if not PAPER_MIN_SHARE <= share <= PAPER_MAX_SHARE:
        return None
    shade = cv2.GaussianBlur(numpy.log1p(grey.astype(numpy.float32)), (0, 0), 1.5)
    corners = _four_corners(outline, shade)
    if corners is None:
        return None
    inside = numpy.zeros_like(grey)
    cv2.fillPoly(inside, [corners.round().astype(numpy.int32)], 255)
    if numpy.median(grey[inside > 0]) - numpy.median(grey[inside == 0]) < PAPER_MIN_CONTRAST:
        return None
    top_left, top_right, bottom_right, bottom_left = corners.reshape(4, 2) * scale
    width = max(
        numpy.linalg.norm(top_right - top_left), numpy.linalg.norm(bottom_right - bottom_left)
    )
    height = max(
        numpy.linalg.norm(bottom_left - top_left), numpy.linalg.norm(bottom_right - top_right)
    )
    target = numpy.array([[0, 0], [width, 0], [width, height], [0, height]], numpy.float32)
    source = numpy.array([top_left, top_right, bottom_right, bottom_left], numpy.float32)
    warp = cv2.getPerspectiveTransform(source, target)
    flat = cv2.warpPerspective(
        numpy.asarray(image.convert("RGB")),
        warp,
        (int(width), int(height)),
        flags=cv2.INTER_CUBIC,
        borderMode=cv2.BORDER_REPLICATE,
    )
    # Trim a thin strip all round: a fitted edge a pixel off leaves a dark seam that
    # would read as a table rule.
    trim = max(2, round(PAPER_TRIM * max(width, height)))
    return Image.fromarray(flat[trim:-trim, trim:-trim])


def _four_corners(outline: Any, shade: Any) -> Any | None:
    """The paper's four corners (top-left, top-right, bottom-right, bottom-left), where
    neighbouring sides meet. A side is first the outline's straightest long edge facing
    that way (a shadow or a thumb that cuts off a corner of the bright shape leaves a
    slanted edge, which is passed over), then the paper's true edge found near it in
    `shade` (log brightness), which light falling unevenly does not move."""
    import cv2
    import numpy

    perimeter = cv2.arcLength(outline, True)
    points = cv2.approxPolyDP(outline, 0.01 * perimeter, True).reshape(-1, 2).astype(float)
    centre = points.mean(axis=0)
    best: dict[int, tuple[float, Any, Any, Any]] = {}  # facing -> deviation, start, end, normal
    for start, end in zip(points, numpy.roll(points, -1, axis=0), strict=True):
        length = float(numpy.linalg.norm(end - start))
        if length < MIN_SIDE_SHARE * perimeter:
            continue
        normal = numpy.array([end[1] - start[1], start[0] - end[0]]) / length
        if numpy.dot((start + end) / 2 - centre, normal) < 0:
            normal = -normal
        angle = float(numpy.degrees(numpy.arctan2(normal[1], normal[0])))
        facing = round(angle / 90) * 90 % 360  # 0 right, 90 down, 180 left, 270 up
        deviation = abs((angle - facing + 180) % 360 - 180)
        if deviation <= MAX_SIDE_TILT and (facing not in best or deviation < best[facing][0]):
            best[facing] = (deviation, start, end, normal)
    if len(best) != 4:
        return None
    # Sides left, top, right, bottom: neighbours meet top-left, top-right, bottom-right,
    # bottom-left, the order the corners are returned in.
    lines = [_edge_side(shade, *best[f][1:]) for f in (180, 270, 0, 90)]
    corners = []
    for first, second in zip(lines, lines[1:] + lines[:1], strict=True):
        meet = numpy.cross(first, second)
        if abs(meet[2]) < 1e-9:
            return None
        corners.append(meet[:2] / meet[2])
    height, width = shade.shape
    margin = 0.05 * max(width, height)
    if not all(
        -margin <= x <= width + margin and -margin <= y <= height + margin for x, y in corners
    ):
        return None
    quad = numpy.array(corners, numpy.float32).reshape(-1, 1, 2)
    return quad if cv2.isContourConvex(quad) else None


def _edge_side(shade: Any, start: Any, end: Any, outward: Any) -> Any:
    """The line (homogeneous) of the paper's edge near the side from `start` to `end`:
    across the side, at points along it, where the brightness steps down most from the
    paper to what lies beyond (a window's mean on either side, so ink strokes hardly
    count). The side itself when too few points show such a step."""
    import cv2
    import numpy

    height, width = shade.shape
    reach = EDGE_SEARCH * max(height, width)
    offsets = numpy.arange(-reach, reach + 1)
    window = EDGE_WINDOW
    found = []
    for share in numpy.linspace(0.1, 0.9, EDGE_SAMPLES):
        ray = start + share * (end - start) + offsets[:, None] * outward
        xs, ys = ray[:, 0].round().astype(int), ray[:, 1].round().astype(int)
        inside = (xs >= 0) & (xs < width) & (ys >= 0) & (ys < height)
        if inside.sum() <= 2 * window:
            continue
        sums = numpy.concatenate([[0.0], numpy.cumsum(shade[ys[inside], xs[inside]])])
        steps = (2 * sums[window:-window] - sums[: -2 * window] - sums[2 * window :]) / window
        best = int(steps.argmax())
        if steps[best] >= EDGE_MIN_STEP:
            found.append(ray[inside][best + window])
    if len(found) < EDGE_SAMPLES // 3:
        return numpy.cross([*start, 1.0], [*end, 1.0])
    points = numpy.array(found, numpy.float32)
    vx, vy, x, y = cv2.fitLine(points, cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
    return numpy.cross([x, y, 1.0], [x + vx, y + vy, 1.0])


def _background(grey: Any) -> Any:
    """The paper's brightness without the ink: the brightest pixel nearby, smoothed."""
    import cv2
    import numpy

    kernel = max(15, (min(grey.shape) // 40) | 1)
    return cv2.GaussianBlur(
        cv2.dilate(grey, numpy.ones((kernel, kernel), numpy.uint8)), (0, 0), kernel
    )


def flatten_light(image: Any) -> Any:
    """The page divided by its own background brightness, when that varies across it;
    an evenly lit page is returned as it is (judged on a smaller copy, which is quick)."""
    import numpy
    from PIL import Image

    low, high = numpy.percentile(_background(_grey_probe(image)[0]), (2, 98))
    if high - low < UNEVEN_LIGHT_SPREAD:
        return image
    grey = numpy.asarray(image.convert("L"))
    flat = numpy.clip(grey.astype(float) / numpy.maximum(_background(grey), 1) * 255, 0, 255)
    return Image.fromarray(flat.astype(numpy.uint8)).convert("RGB")


def skew_angle(image: Any) -> float:
    """The small rotation (degrees) that levels the text lines of a scan: the angle at
    which rows of ink line up best (the horizontal projection varies most)."""
    import numpy

    probe = image.convert("L")
    probe.thumbnail((SKEW_PROBE_SIDE, SKEW_PROBE_SIDE))
    best, best_score = 0.0, -1.0
    steps = int(MAX_SKEW_DEGREES / SKEW_STEP_DEGREES)
    for step in range(-steps, steps + 1):
        angle = step * SKEW_STEP_DEGREES
        turned = numpy.asarray(probe.rotate(angle, resample=BICUBIC, fillcolor=255))
        profile = (turned < 128).sum(axis=1).astype(float)
        score = float(numpy.var(profile))
        if score > best_score:
            best, best_score = angle, score
    return best
