"""OCR: page images -> text lines in reading order, with confidences, offline.

In: a page image (PIL) from a scanned PDF or a photo.
Out: an `OcrPage`: the page's text (lines in reading order; lines whose pieces stand in
columns become `| a | b |` rows, so tables stay tables), its mean confidence, the
rotation applied, and the lines whose confidence is low. RapidOCR runs on onnxruntime
with the models that ship inside the rapidocr wheel; nothing is downloaded.
"""

from __future__ import annotations

import itertools
import statistics
from functools import cached_property
from importlib import resources
from typing import Any, ClassVar

from pydantic import BaseModel, Field

LOW_CONFIDENCE = 0.85  # a line below this is flagged wherever a figure of it is used
ORIENTATION_PROBE_SIDE = 1000  # pixels: orientation is judged on a smaller copy
COLUMN_GAP_IN_CHARS = 0.8  # a gap wider than this many character heights splits cells
CELL_GAP_IN_CHARS = 0.8  # inside one detected box too
DET_UNCLIP_RATIO = 1.4
MAX_SKEW_DEGREES = 5.0
SKEW_STEP_DEGREES = 0.25
MIN_SKEW_DEGREES = 0.25
SKEW_PROBE_SIDE = 900
BICUBIC = 3  # PIL.Image.Resampling.BICUBIC, without importing PIL at module load
SAME_ROW_OVERLAP = 0.6  # share of the shorter box's height two pieces of a row share


class OcrLine(BaseModel):
    text: str
    score: float
    left: float
    top: float
    right: float
    bottom: float

    @property
    def height(self) -> float:
        return max(1.0, self.bottom - self.top)


class OcrPage(BaseModel):
    text: str
    confidence: float
    rotation: int = 0
    low_confidence: list[str] = Field(default_factory=list)
    lines: int = 0


class OcrEngine:
    """RapidOCR with its packaged models; the models load on first use."""

    MODEL_FILES: ClassVar[dict[str, str]] = {
        "Det.model_path": "PP-OCRv6_det_small.onnx",
        "Rec.model_path": "PP-OCRv6_rec_small.onnx",
        "Cls.model_path": "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
    }

    def _make(self, use_cls: bool) -> Any:
        from rapidocr import RapidOCR

        models = resources.files("rapidocr") / "models"
        params: dict[str, Any] = {key: str(models / name) for key, name in self.MODEL_FILES.items()}
        params["Global.log_level"] = "critical"
        params["Global.use_cls"] = use_cls
        # Keep neighbouring table cells apart: no dilation, tighter boxes.
        params["Det.use_dilation"] = False
        params["Det.unclip_ratio"] = DET_UNCLIP_RATIO
        return RapidOCR(params=params)

    @cached_property
    def _engine(self) -> Any:
        # No per-line direction classifier: the page's orientation is fixed first, and the
        # classifier turns short figures ("90%") upside down ("%06"). Without it, text
        # upside down reads badly, which is what tells a page's orientation.
        return self._make(use_cls=False)

    def lines(self, image) -> list[OcrLine]:
        import numpy

        result = self._engine(numpy.asarray(image.convert("RGB")), return_word_box=True)
        if result is None or result.boxes is None:
            return []
        found = []
        for box, text, score in zip(result.boxes, result.txts, result.scores, strict=False):
            xs, ys = [float(p[0]) for p in box], [float(p[1]) for p in box]
            found.append(
                OcrLine(
                    text=text,
                    score=float(score),
                    left=min(xs),
                    top=min(ys),
                    right=max(xs),
                    bottom=max(ys),
                )
            )
        words = result.word_results or [()] * len(found)
        if not found:
            return found
        char_height = statistics.median(line.height for line in found)
        return [
            piece
            for line, line_words in zip(found, words, strict=False)
            for piece in (
                split_at_gaps(line, list(line_words), char_height) if line_words else [line]
            )
        ]

    def orientation(self, image, sideways: bool) -> int:
        """The rotation (degrees, counter-clockwise) that makes the page upright, judged
        on a band across the middle of the page read without direction correction."""
        width, height = image.size
        band = image.crop((0, int(height * 0.3), width, int(height * 0.6)))
        band.thumbnail((ORIENTATION_PROBE_SIDE, ORIENTATION_PROBE_SIDE))
        best, best_score = 0, -1.0
        for angle in (90, 270) if sideways else (0, 180):
            lines = self.lines(band.rotate(angle, expand=True))
            score = sum(line.score * len(line.text) for line in lines)
            if score > best_score:
                best, best_score = angle, score
        return best

    def page(self, image) -> OcrPage:
        skew = skew_angle(image)
        if abs(skew) >= MIN_SKEW_DEGREES:
            image = image.rotate(skew, resample=BICUBIC, fillcolor="white")
        lines = self.lines(image)
        rotation = self.orientation(image, sideways=is_sideways(lines))
        if rotation:
            image = image.rotate(rotation, expand=True)
            lines = self.lines(image)
        if not lines:
            return OcrPage(text="", confidence=0.0, rotation=rotation)
        weights = [len(line.text) for line in lines]
        confidence = sum(line.score * w for line, w in zip(lines, weights, strict=True)) / max(
            1, sum(weights)
        )
        return OcrPage(
            text=reading_order(lines),
            confidence=round(confidence, 4),
            rotation=rotation,
            low_confidence=[line.text for line in lines if line.score < LOW_CONFIDENCE],
            lines=len(lines),
        )


def split_at_gaps(line: OcrLine, words: list, char_height: float) -> list[OcrLine]:
    """Cut an OCR box where its characters stand far apart: neighbouring table cells
    that the detector read as one line."""
    pieces: list[OcrLine] = []
    current: list[tuple[str, float, float]] = []
    for text, _, box in words:
        left, right = min(p[0] for p in box), max(p[0] for p in box)
        if current and left - current[-1][2] > CELL_GAP_IN_CHARS * char_height:
            pieces.append(_piece(line, current))
            current = []
        current.append((text, left, right))
    if current:
        pieces.append(_piece(line, current))
    return pieces if len(pieces) > 1 else [line]


def _piece(line: OcrLine, words: list[tuple[str, float, float]]) -> OcrLine:
    text = "".join(w[0] for w in words)
    return line.model_copy(update={"text": text, "left": words[0][1], "right": words[-1][2]})


def skew_angle(image) -> float:
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


def is_sideways(lines: list[OcrLine]) -> bool:
    """Text boxes standing taller than wide: the page lies on its side."""
    if not lines:
        return False
    return statistics.median(line.height / max(1.0, line.right - line.left) for line in lines) > 1


def same_row(line: OcrLine, row: list[OcrLine]) -> bool:
    """Pieces of one printed row stand side by side and share most of their height.

    Boxes of a skewed scan grow tall with the slope, so closeness of centres is not
    enough: a long line's right end can sit as low as the next line's start.
    """
    for other in row:
        if line.left < other.right and other.left < line.right:
            return False
        shared = min(line.bottom, other.bottom) - max(line.top, other.top)
        if shared < SAME_ROW_OVERLAP * min(line.height, other.height):
            return False
    return True


def reading_order(lines: list[OcrLine]) -> str:
    """Lines top to bottom; pieces on one visual row left to right, as table cells when
    they stand apart like columns."""
    if not lines:
        return ""
    char_height = statistics.median(line.height for line in lines)
    rows: list[list[OcrLine]] = []
    for line in sorted(lines, key=lambda item: (item.top + item.bottom) / 2):
        if rows and same_row(line, rows[-1]):
            rows[-1].append(line)
        else:
            rows.append([line])
    rendered = []
    for row in rows:
        row.sort(key=lambda item: item.left)
        gaps = [b.left - a.right for a, b in itertools.pairwise(row)]
        if len(row) > 1 and max(gaps) > char_height * COLUMN_GAP_IN_CHARS:
            rendered.append("| " + " | ".join(item.text.strip() for item in row) + " |")
        else:
            rendered.append("".join(item.text for item in row))
    return "\n".join(rendered)
