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
ROTATIONS = (0, 90, 180, 270)
UPRIGHT_CONFIDENCE = 0.8
ORIENTATION_PROBE_SIDE = 1000  # pixels: orientation is judged on a smaller copy
COLUMN_GAP_IN_CHARS = 2.0  # a gap wider than this many character heights splits columns


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

    @cached_property
    def _engine(self) -> Any:
        from rapidocr import RapidOCR

        models = resources.files("rapidocr") / "models"
        params: dict[str, Any] = {key: str(models / name) for key, name in self.MODEL_FILES.items()}
        params["Global.log_level"] = "critical"
        return RapidOCR(params=params)

    def lines(self, image) -> list[OcrLine]:
        import numpy

        result = self._engine(numpy.asarray(image.convert("RGB")))
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
        return found

    def orientation(self, image) -> int:
        """The rotation (degrees, counter-clockwise) that makes the page upright."""
        probe = image.copy()
        probe.thumbnail((ORIENTATION_PROBE_SIDE, ORIENTATION_PROBE_SIDE))
        best, best_score = 0, -1.0
        for angle in ROTATIONS:
            lines = self.lines(probe.rotate(angle, expand=True))
            # Upright text reads as many confident, wide lines.
            score = sum(line.score * len(line.text) for line in lines)
            if score > best_score:
                best, best_score = angle, score
        return best

    def page(self, image) -> OcrPage:
        lines = self.lines(image)
        rotation = 0
        if not looks_upright(lines):  # a sideways or upside-down scan: find its way up
            rotation = self.orientation(image)
            if rotation:
                lines = self.lines(image.rotate(rotation, expand=True))
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


def looks_upright(lines: list[OcrLine]) -> bool:
    """Most scans: many wide, confidently read lines at the first try."""
    if len(lines) < 3:
        return False
    wide = statistics.median((line.right - line.left) / line.height for line in lines)
    confident = statistics.mean(line.score for line in lines)
    return wide >= 2.0 and confident >= UPRIGHT_CONFIDENCE


def reading_order(lines: list[OcrLine]) -> str:
    """Lines top to bottom; pieces on one visual row left to right, as table cells when
    they stand apart like columns."""
    if not lines:
        return ""
    char_height = statistics.median(line.height for line in lines)
    rows: list[list[OcrLine]] = []
    for line in sorted(lines, key=lambda item: (item.top + item.bottom) / 2):
        middle = (line.top + line.bottom) / 2
        if rows:
            row = rows[-1]
            row_middle = statistics.mean((item.top + item.bottom) / 2 for item in row)
            if abs(middle - row_middle) < char_height * 0.5:
                row.append(line)
                continue
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
