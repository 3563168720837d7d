"""OCR: page images -> rows of text in reading order, with confidences, offline.

In: a page image (PIL) from a scanned PDF or a photo (cut out, flattened and levelled
first by `pageimage.prepare_page`).
Out: `PageRows`: the page's rows (prose lines; pieces standing in columns and the cells
of ruled tables as `| a | b |` rows, so tables stay tables), its mean confidence, the
rotation applied, and per row the pieces read with low confidence.
`OcrEngine.read_pages` reads the scanned pages of one report, each with its `PageInfo`:
each page is looked up in the OCR cache first (`ocrcache`, when the engine has a cache
folder), and the rest are read in worker processes side by side when more than one is
left. RapidOCR runs on onnxruntime with the models that ship inside the rapidocr wheel;
nothing is downloaded.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import logging
import multiprocessing
import os
import statistics
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar

from jixiao.core import PageInfo
from jixiao.ingest.base import PageRow, PageRows, table_row_text
from jixiao.ingest.ocrcache import OcrCache, image_key
from jixiao.ingest.pageimage import prepare_page
from jixiao.ingest.pagestore import snapshot

logger = logging.getLogger(__name__)

LOW_CONFIDENCE = 0.85  # a line below this is flagged wherever a figure of it is used
ORIENTATION_PROBE_SIDE = 1000  # pixels: orientation is judged on a smaller copy
# Outside ruled tables, a gap wider than this many character heights splits cells (inside
# one detected box too); inside them, the drawn rules do.
COLUMN_GAP_IN_CHARS = 2.0
CELL_GAP_IN_CHARS = 2.0
DET_UNCLIP_RATIO = 1.4
PAGE_FOOT = 0.85  # a table reaching below this share of the page height may run on
INK_LEVEL = 140  # grey level below which a pixel is ink
RULE_MIN_HEIGHT = 25  # pixels: a vertical table rule spans at least this much of a row
RULE_SLICE = 150  # pixels: a taller row is searched for rules slice by slice ...
RULE_DRIFT = 4  # ... and a rule may move this many pixels sideways from one to the next
SAME_ROW_OVERLAP = 0.6  # share of the shorter box's height two pieces of a row share


@dataclass(slots=True)
class OcrLine:
    """One box of text OCR found, with where its characters stand."""

    text: str
    score: float
    left: float
    top: float
    right: float
    bottom: float
    words: list[tuple[str, float, float]] = field(default_factory=list)  # text, left, right

    @property
    def height(self) -> float:
        return max(1.0, self.bottom - self.top)


class OcrEngine:
    """RapidOCR with its packaged models; the models load on first use.

    `cache_dir`: where pages read by OCR are kept (`ocrcache`; None: no cache).
    `workers`: processes that read the pages of one report side by side when more than
    one page needs OCR (None: `os.cpu_count()`; 1: all in this process). `threads`:
    onnxruntime's threads per inference (None: its default, every core). `on_page`, when
    set, is called with (pages done, pages of the report) as each page is read.
    """

    MODEL_FILES: ClassVar[dict[str, str]] = {
        "Det.model_path": "PP-OCRv6_det_small.onnx",
        "Rec.model_path": "PP-OCRv6_rec_small.onnx",
        "Cls.model_path": "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
    }

    def __init__(
        self,
        cache_dir: Path | None = None,
        workers: int | None = None,
        threads: int | None = None,
        on_page: Callable[[int, int], None] | None = None,
    ) -> None:
        self.cache = OcrCache(cache_dir) if cache_dir is not None else None
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.threads = threads
        self.on_page = on_page
        self._pool: ProcessPoolExecutor | None = None

    @classmethod
    def parameters(cls, use_cls: bool) -> dict[str, Any]:
        """RapidOCR's parameters but the model paths: model file names and detector
        settings (part of the OCR cache key)."""
        return {
            **cls.MODEL_FILES,
            "Global.log_level": "critical",
            "Global.use_cls": use_cls,
            # Keep neighbouring table cells apart: no dilation, tighter boxes.
            "Det.use_dilation": False,
            "Det.unclip_ratio": DET_UNCLIP_RATIO,
        }

    def _make(self, use_cls: bool) -> Any:
        from rapidocr import RapidOCR

        models = resources.files("rapidocr") / "models"
        params = self.parameters(use_cls)
        params.update({key: str(models / name) for key, name in self.MODEL_FILES.items()})
        if self.threads:
            params["EngineConfig.onnxruntime.intra_op_num_threads"] = self.threads
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
        words = result.word_results or [()] * len(result.boxes)
        for box, text, score, line_words in zip(
            result.boxes, result.txts, result.scores, words, strict=False
        ):
            xs, ys = [float(p[0]) for p in box], [float(p[1]) for p in box]
            found.append(
                OcrLine(
                    text=text,
                    score=float(score),
                    left=min(xs),
                    top=min(ys),
                    right=max(xs),
                    bottom=max(ys),
                    # plain floats, whatever the numbers rapidocr hands back
                    words=[
                        (w, float(min(p[0] for p in b)), float(max(p[0] for p in b)))
                        for w, _, b in line_words
                    ],
                )
            )
        if not found:
            return found
        char_height = statistics.median(line.height for line in found)
        return [piece for line in found for piece in split_at_gaps(line, char_height)]

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

    def page(self, image) -> PageRows:
        """A page image read as rows: prepared, turned upright, read, tables found."""
        started = time.perf_counter()
        image = prepare_page(image)
        lines = self.lines(image)
        rotation = self.orientation(image, sideways=is_sideways(lines))
        if rotation:
            image = image.rotate(rotation, expand=True)
            lines = self.lines(image)
        if not lines:
            logger.info("OCR found no text on the page (rotation %d)", rotation)
            return PageRows(confidence=0.0, rotation=rotation, scan=snapshot(0, image, []))
        weights = [len(line.text) for line in lines]
        confidence = sum(line.score * w for line, w in zip(lines, weights, strict=True)) / max(
            1, sum(weights)
        )
        tables = ruled_tables(image)
        page = PageRows(
            rows=page_rows(lines, tables, image.size[1]),
            confidence=round(confidence, 4),
            rotation=rotation,
            lines=len(lines),
        )
        # The image OCR read, downscaled, with the rows' boxes: what review shows beside
        # the text. Made here so pages read in worker processes or kept in the cache have it.
        page.scan = snapshot(0, image, [piece for row in page.rows for piece in row.pieces])
        logger.debug(
            "OCR read %d lines, %d ruled tables, confidence %.3f, rotation %d in %.1f s",
            len(lines),
            len(tables),
            page.confidence,
            rotation,
            time.perf_counter() - started,
        )
        return page

    def read_pages(
        self, images: Iterable[tuple[int, Any]], count: int
    ) -> list[tuple[PageRows, PageInfo]]:
        """The scanned pages of one report, in the order given: (page number, image)
        pairs in, `count` of them (images may be made lazily, one by one); out each
        page's rows and what to record of it. A page in the cache is not read again;
        when more than one page is left to read and `workers` > 1, they are read in
        worker processes, at most two per worker in memory at a time."""
        found: dict[int, PageRows] = {}
        numbers: list[int] = []
        held: tuple[int, str | None, Any] | None = None  # a first page left to read
        running: deque[tuple[int, str | None, Any, Future[PageRows]]] = deque()
        parallel = self.workers > 1 and count > 1
        started = time.perf_counter()
        hits = 0

        def done(number: int, key: str | None, page: PageRows) -> None:
            found[number] = page
            if key is not None and self.cache is not None:
                self.cache.put(key, page)
            self._progress(len(found), count)

        def collect(limit: int) -> None:
            while len(running) > limit:
                number, key, image, future = running.popleft()
                done(number, key, self._result(future, image))

        for number, image in images:
            numbers.append(number)
            key = image_key(image) if self.cache is not None else None
            cached = self.cache.get(key) if self.cache is not None and key else None
            if cached is not None:
                hits += 1
                found[number] = cached
                self._progress(len(found), count)
                continue
            if not parallel:
                done(number, key, self.page(image))
                continue
            if held is None and not running:
                held = (number, key, image)  # read here if it stays the only one
                continue
            for waiting in (held, (number, key, image)):
                if waiting is not None:
                    running.append((*waiting, self._submit(waiting[2])))
            held = None
            collect(2 * self.workers)
        if held is not None:
            done(held[0], held[1], self.page(held[2]))
        collect(0)
        logger.info(
            "OCR of %d pages: %d from the cache, %d read in %.1f s (%d worker processes)",
            len(numbers),
            hits,
            len(numbers) - hits,
            time.perf_counter() - started,
            self.workers if parallel else 1,
        )
        return [_page_info(number, found[number]) for number in numbers]

    def _progress(self, done: int, total: int) -> None:
        logger.debug("OCR %d/%d", done, total)
        if self.on_page is not None:
            self.on_page(done, total)

    def _submit(self, image) -> Future[PageRows]:
        if self._pool is None:
            # spawn, not fork: the parent may hold threads (LLM calls, onnxruntime's own)
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(max(1, (os.cpu_count() or 1) // self.workers),),
            )
        return self._pool.submit(_read_in_worker, image.mode, image.size, image.tobytes())

    def _result(self, future: Future[PageRows], image) -> PageRows:
        """A worker's reading of `image`, or this process's when the workers died."""
        try:
            return future.result()
        except BrokenProcessPool as exc:
            # e.g. a script without `if __name__ == "__main__":`, which spawned workers
            # re-run, or a worker killed for memory
            logger.warning("the OCR worker processes stopped (%s); reading the page here", exc)
            self.close()
            return self.page(image)

    def close(self) -> None:
        """Stop the worker processes and close the cache (both reopen when needed)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        if self.cache is not None:
            self.cache.close()


def _page_info(number: int, page: PageRows) -> tuple[PageRows, PageInfo]:
    if page.scan is not None:
        page.scan = page.scan.model_copy(update={"page": number})
    logger.info(
        "page %d read by OCR: confidence %.3f, rotation %d",
        number,
        page.confidence or 0.0,
        page.rotation,
    )
    info = PageInfo(page=number, ocr=True, confidence=page.confidence, rotation=page.rotation)
    return page, info


_WORKER: OcrEngine | None = None  # a worker process's engine


def _start_worker(threads: int) -> None:
    global _WORKER
    _WORKER = OcrEngine(workers=1, threads=threads)


def _read_in_worker(mode: str, size: tuple[int, int], pixels: bytes) -> PageRows:
    """A page read in a worker process (the image sent as its raw pixels)."""
    from PIL import Image

    assert _WORKER is not None, "the worker was started without its engine"
    return _WORKER.page(Image.frombytes(mode, size, pixels))


@functools.lru_cache(maxsize=8)
def _shared(cache_dir: Path | None, workers: int | None) -> OcrEngine:
    return OcrEngine(cache_dir=cache_dir, workers=workers)


def shared_engine(cache_dir: Path | None = None, workers: int | None = None) -> OcrEngine:
    """The process's one engine for a cache folder (None: no cache) and worker count, so
    its models load and its worker processes start once for every report read."""
    return _shared(cache_dir.resolve() if cache_dir is not None else None, workers)


def split_at_gaps(line: OcrLine, char_height: float) -> list[OcrLine]:
    """Cut an OCR box where its characters stand far apart (columns read as one line)."""
    groups: list[list[tuple[str, float, float]]] = []
    for word in line.words:
        if groups and word[1] - groups[-1][-1][2] > CELL_GAP_IN_CHARS * char_height:
            groups.append([])
        if not groups:
            groups.append([])
        groups[-1].append(word)
    return [_piece(line, group) for group in groups] if len(groups) > 1 else [line]


def split_at_edges(line: OcrLine, edges: list[float]) -> list[OcrLine]:
    """Cut an OCR box at a ruled table's column edges (neighbouring cells read as one)."""
    if not line.words:
        return [line]
    columns: dict[int, list[tuple[str, float, float]]] = {}
    for word in line.words:
        middle = (word[1] + word[2]) / 2
        column = sum(1 for edge in edges if edge <= middle)
        columns.setdefault(column, []).append(word)
    if len(columns) < 2:
        return [line]
    return [_piece(line, columns[column]) for column in sorted(columns)]


def _piece(line: OcrLine, words: list[tuple[str, float, float]]) -> OcrLine:
    text = "".join(w[0] for w in words)
    return dataclasses.replace(line, text=text, left=words[0][1], right=words[-1][2], words=words)


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


@dataclass(slots=True)
class RuledTable:
    """A table drawn with rules: its row bands and, per band, its column edges."""

    top: float
    bottom: float
    left: float
    right: float
    bands: list[tuple[float, float, list[float]]]  # (top, bottom, x edges left to right)

    def split(self, line: OcrLine) -> list[OcrLine]:
        """A line inside one of this table's rows, cut at that row's column edges."""
        y = (line.top + line.bottom) / 2
        for top, bottom, edges in self.bands:
            if top <= y < bottom:
                return split_at_edges(line, edges[1:-1])
        return [line]

    def cell_of(self, line: OcrLine) -> tuple[int, int] | None:
        x, y = (line.left + line.right) / 2, (line.top + line.bottom) / 2
        for row, (top, bottom, edges) in enumerate(self.bands):
            if top <= y < bottom:
                for column, (left, right) in enumerate(itertools.pairwise(edges)):
                    if left <= x < right:
                        return row, column
        return None


def _runs(flags, minimum: int) -> list[tuple[int, int]]:
    """(start, end) of the runs of True at least `minimum` long."""
    runs, start = [], None
    for index, flag in enumerate([*flags.tolist(), False]):
        if flag and start is None:
            start = index
        elif not flag and start is not None:
            if index - start >= minimum:
                runs.append((start, index))
            start = None
    return runs


def _rule_columns(ink) -> list[float]:
    """Columns of a strip that are ink along nearly its whole height."""
    return [(a + b) / 2 for a, b in _runs(ink.sum(axis=0) > ink.shape[0] * 0.8, 1)]


def vertical_rules(band) -> list[float]:
    """The x of each vertical rule crossing a table row (a boolean ink mask of the row).

    The row is read in slices about RULE_SLICE high (a short row is one slice) and each
    rule is followed from slice to slice, so a rule that leans a few pixels over the
    page's height (a photographed page straightened from imprecise corners, a curled
    scan) is still found."""
    import numpy

    slices = numpy.array_split(band, max(1, band.shape[0] // RULE_SLICE))
    chains = [[x] for x in _rule_columns(slices[0])]
    for piece in slices[1:]:
        found, followed = _rule_columns(piece), []
        for chain in chains:
            end = chain[-1]
            nearest = min(found, key=lambda x: abs(x - end), default=None)
            if nearest is not None and abs(nearest - chain[-1]) <= RULE_DRIFT:
                followed.append([*chain, nearest])
        chains = followed
    return [sum(chain) / len(chain) for chain in chains]


def ruled_tables(image) -> list[RuledTable]:
    """Tables drawn with horizontal and vertical rules on an upright page."""
    import cv2
    import numpy

    gray = numpy.asarray(image.convert("L"))
    width = gray.shape[1]
    ink = ((gray < INK_LEVEL) * 255).astype(numpy.uint8)
    wide = cv2.morphologyEx(
        ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (max(40, width // 25), 1))
    )
    tall = cv2.morphologyEx(
        ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, RULE_MIN_HEIGHT))
    )
    grid = cv2.dilate(cv2.bitwise_or(wide, tall), numpy.ones((5, 5), numpy.uint8))
    # A rule leaning a few pixels over its length still fills one widened pixel row.
    level = cv2.dilate(wide, numpy.ones((2 * RULE_DRIFT + 1, 1), numpy.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(grid)
    tables = []
    for index in range(1, count):
        x, y, w, h = stats[index][:4]
        if w < width * 0.3 or h < RULE_MIN_HEIGHT * 2:
            continue
        rows = [
            y + (a + b) / 2
            for a, b in _runs((level[y : y + h, x : x + w] > 0).sum(axis=1) > w * 0.5, 1)
        ]
        bands = []
        for top, bottom in itertools.pairwise(rows):
            if bottom - top < RULE_MIN_HEIGHT:
                continue
            edges = [
                x + edge
                for edge in vertical_rules(tall[int(top) + 3 : int(bottom) - 3, x : x + w] > 0)
            ]
            if len(edges) >= 2:
                bands.append((float(top), float(bottom), [float(edge) for edge in edges]))
        if bands:
            tables.append(
                RuledTable(
                    top=float(y),
                    bottom=float(y + h),
                    left=float(x),
                    right=float(x + w),
                    bands=bands,
                )
            )
    return tables


def _render_table(
    table: RuledTable, lines: list[OcrLine], page_height: int | None
) -> list[PageRow]:
    cells: dict[tuple[int, int], list[OcrLine]] = {}
    for line in lines:
        where = table.cell_of(line)
        if where is not None:
            cells.setdefault(where, []).append(line)
    runs_on = page_height is not None and table.bottom >= page_height * PAGE_FOOT
    rendered = []
    for row, (top, _, edges) in enumerate(table.bands):
        texts, unsure, held = [], [], []
        for column in range(len(edges) - 1):
            pieces = sorted(cells.get((row, column), []), key=lambda p: (p.top, p.left))
            texts.append("".join(piece.text for piece in pieces).strip())
            unsure += [p.text for p in pieces if p.score < LOW_CONFIDENCE]
            held += pieces
        if any(texts):
            rendered.append(
                PageRow(
                    top=top,
                    text=table_row_text(texts),
                    cells=texts,
                    cut=runs_on and row == len(table.bands) - 1,
                    ocr=True,
                    unsure=unsure,
                    pieces=held,
                )
            )
    return rendered


def page_rows(
    lines: list[OcrLine], tables: list[RuledTable] | None = None, page_height: int | None = None
) -> list[PageRow]:
    """Prose lines top to bottom; each ruled table as rows, one per band, its cells'
    lines joined; other pieces on one visual row left to right, as cells when they stand
    apart like columns. With `page_height`, a table reaching the page foot marks its last
    row as `cut`."""
    rows: list[PageRow] = []
    free = list(lines)
    for table in tables or []:
        pieces = [piece for line in free for piece in table.split(line)]
        inside = [line for line in pieces if table.cell_of(line) is not None]
        free = [line for line in pieces if table.cell_of(line) is None]
        rows += _render_table(table, inside, page_height)
    rows += _free_rows(free)
    return sorted(rows, key=lambda row: row.top)


def reading_order(lines: list[OcrLine], tables: list[RuledTable] | None = None) -> str:
    return "\n".join(row.text for row in page_rows(lines, tables))


def _free_rows(lines: list[OcrLine]) -> list[PageRow]:
    if not lines:
        return []
    char_height = statistics.median(line.height for line in lines)
    rows: list[list[OcrLine]] = []
    for line in sorted(lines, key=lambda item: (item.top + item.bottom) / 2):
        if rows and same_row(line, rows[-1]):
            rows[-1].append(line)
        else:
            rows.append([line])
    rendered: list[PageRow] = []
    for row in rows:
        row.sort(key=lambda item: item.left)
        gaps = [b.left - a.right for a, b in itertools.pairwise(row)]
        if len(row) > 1 and max(gaps) > char_height * COLUMN_GAP_IN_CHARS:
            text = table_row_text([item.text.strip() for item in row])
        else:
            text = "".join(item.text for item in row)
        rendered.append(
            PageRow(
                top=min(item.top for item in row),
                text=text,
                ocr=True,
                unsure=[item.text for item in row if item.score < LOW_CONFIDENCE],
                pieces=list(row),
            )
        )
    return rendered
