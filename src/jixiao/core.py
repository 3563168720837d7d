"""Data types shared by every stage.

In: nothing (this module imports no other jixiao module).
Out: the pydantic models and status enums that the stages pass to one another:
source documents, normalized text, blocks and sections, chunks, per-chunk LLM answers,
evidence, fields, list items (projects, indicators, problems, improvements), flags, run
records and the per-report output.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

logger = logging.getLogger(__name__)


class FieldStatus(StrEnum):
    OK = "ok"
    FLAGGED = "flagged"
    MISSING = "missing"
    REVIEWED = "reviewed"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class ChunkStatus(StrEnum):
    ANSWERED = "answered"
    CACHED = "cached"
    SKIPPED = "skipped"
    FAILED = "failed"


class ReportStatus(StrEnum):
    DONE = "done"
    PARTIAL = "partial"  # written, but some chunks failed
    FAILED = "failed"  # nothing written: the input could not be read


class BlockKind(StrEnum):
    HEADING = "heading"
    PARAGRAPH = "paragraph"
    TABLE = "table"


# --- ingest --------------------------------------------------------------------------


class TableCell(BaseModel):
    text: str = Field(title="内容")


class TableRow(BaseModel):
    cells: list[TableCell]


class SourceTable(BaseModel):
    """A real table from a structured source (docx), in document order."""

    rows: list[TableRow]


class SourceParagraph(BaseModel):
    text: str


class PageInfo(BaseModel):
    """One page of a PDF or image: read from its text layer or by OCR."""

    page: int
    ocr: bool
    confidence: float | None = None  # OCR's mean line confidence, 0..1
    rotation: int = 0  # degrees the scan was turned to stand upright


class SuspectLine(BaseModel):
    """A stretch OCR read unsurely: its text, why, and the text of the line it stands in."""

    text: str
    reason: str  # ocr_low_confidence / ocr_page_break
    context: str | None = None


class PageBox(BaseModel):
    """A piece of text OCR read on a page and where it stands, as shares (0..1) of the
    page image's width and height; `words` are its words (a CJK character each, mostly)
    with their left and right edges."""

    text: str
    left: float
    top: float
    right: float
    bottom: float
    words: list[tuple[str, float, float]] = Field(default_factory=list)


class PageScan(BaseModel):
    """A scanned page as OCR read it: the page image (JPEG, downscaled; the image the
    boxes stand on, upright and levelled) and the pieces of text in reading order."""

    page: int
    jpeg: bytes = Field(repr=False)
    width: int
    height: int
    boxes: list[PageBox] = Field(default_factory=list, repr=False)


class SourceDocument(BaseModel):
    """What ingest read: either plain text, or paragraphs and tables in order. `scans`
    (never serialized) holds the page images and text boxes of the pages read by OCR."""

    path: str
    sha256: str
    format: str  # txt / docx / pdf / image / doc
    encoding: str | None = None
    ocr: bool = False
    text: str | None = None
    blocks: list[SourceParagraph | SourceTable] = Field(default_factory=list)
    pages: list[PageInfo] = Field(default_factory=list)
    suspect_lines: list[SuspectLine] = Field(default_factory=list)
    scans: list[PageScan] = Field(default_factory=list, exclude=True, repr=False)


# --- normalize / segment / chunk -----------------------------------------------------


class Span(BaseModel):
    start: int
    end: int


class Cell(BaseModel):
    start: int
    end: int
    text: str


class Block(BaseModel):
    kind: BlockKind
    start: int
    end: int
    level: int = 0  # heading depth, 1-based; 0 for non-headings
    rows: list[list[Cell]] = Field(default_factory=list)  # tables only


class Suspect(BaseModel):
    """A stretch of normalized text whose reading is doubtful (OCR)."""

    start: int
    end: int
    reason: str


class NormalizedText(BaseModel):
    """Normalized text, the spans of tables a structured source declared, and the
    stretches an OCR read unsurely or whose figures had to be repaired."""

    text: str
    table_spans: list[Span] = Field(default_factory=list)
    suspects: list[Suspect] = Field(default_factory=list)


class Section(BaseModel):
    heading: str
    level: int
    start: int
    end: int
    path: list[str]  # headings from the top down to this section, inclusive
    blocks: list[Block] = Field(default_factory=list)


class Chunk(BaseModel):
    index: int
    start: int
    end: int
    heading_path: list[str]
    text: str
    tokens: int
    groups: list[str] = Field(default_factory=list)  # field groups asked of this chunk


class Question(BaseModel):
    """One request to the model: a few fields asked of (a slice of) one chunk.

    `fields` are scalar field keys (`funds_income_total`), `lists` list paths
    (`projects`); `start`/`end` are offsets of `text` in the normalized report (the
    chunk's own, or a part of it once a request was shrunk); `part` tells questions of
    one chunk apart ("a", "b", "a1" after a split), so each has its own recording.
    """

    chunk_index: int
    part: str = "a"
    start: int
    end: int
    heading_path: list[str] = Field(default_factory=list)
    text: str
    fields: list[str] = Field(default_factory=list)
    lists: list[str] = Field(default_factory=list)
    max_tokens: int = 256

    @property
    def label(self) -> str:
        return f"{self.chunk_index}{self.part}"


# --- evidence, fields, flags -----------------------------------------------------------


class MatchQuality(StrEnum):
    """How a quote was found in the normalized text (as langextract's AlignmentStatus)."""

    EXACT = "exact"  # the quote is the text slice, character for character
    LOOSE = "loose"  # found with white space and full-width forms ignored


class Evidence(BaseModel):
    """A span of the normalized text; `quote` is always exactly `text[start:end]`."""

    start: int
    end: int
    quote: str
    match: MatchQuality = Field(default=MatchQuality.EXACT, exclude=True)


class Flag(BaseModel):
    field: str
    code: str
    severity: Severity
    message: str


class Origin(StrEnum):
    """Where a candidate value came from."""

    CHUNK = "chunk"  # a model's answer for one chunk
    RULES = "rules"  # the deterministic rules over the number index


class Candidate(BaseModel):
    """One value proposed for a field by one source (a chunk's answer or a rule)."""

    value: Any
    origin: Origin
    chunk: int | None = None  # the chunk's index, for origin CHUNK
    quote: str | None = None
    evidence: list[Evidence] = Field(default_factory=list)


# --- list items ----------------------------------------------------------------------


class ListItem(BaseModel):
    """One row of a list field, with where the report states it and its flag codes."""

    model_config = ConfigDict(validate_assignment=False)

    # The attribute that names the item (two items naming the same thing are one).
    KEY: ClassVar[str] = "name"
    # The attributes that are figures (exact decimals, 万元 for money).
    FIGURES: ClassVar[tuple[str, ...]] = ()
    # The attributes that state the item's values (compared against reviewed truth).
    VALUES: ClassVar[tuple[str, ...]] = ()

    evidence: list[Evidence] = Field(default_factory=list)
    flags: list[str] = Field(default_factory=list)

    @property
    def key_text(self) -> str:
        return str(getattr(self, self.KEY) or "")

    @classmethod
    def columns(cls) -> list[str]:
        """The item's own attributes, in order, without evidence and flags."""
        return [name for name in cls.model_fields if name not in ("evidence", "flags")]

    @classmethod
    def headers(cls) -> list[tuple[str, str]]:
        """(attribute, Chinese column header) for each of the item's own attributes."""
        return [(name, cls.model_fields[name].title or name) for name in cls.columns()]


class Project(ListItem):
    """一个项目的资金情况（万元）。"""

    FIGURES: ClassVar[tuple[str, ...]] = ("budget_initial", "adjustment", "actual", "carryover")
    VALUES: ClassVar[tuple[str, ...]] = FIGURES

    name: str = Field(title="项目名称", description="项目名称，按原文")
    budget_initial: Decimal | None = Field(None, title="年初预算（万元）", description="年初预算数")
    adjustment: Decimal | None = Field(
        None, title="调整（万元）", description="年中调整（调增为正、调减为负）"
    )
    actual: Decimal | None = Field(None, title="实际支出（万元）", description="实际支出/执行数")
    carryover: Decimal | None = Field(None, title="结余结转（万元）", description="结余结转")


class Indicator(ListItem):
    """绩效指标表的一行。"""

    FIGURES: ClassVar[tuple[str, ...]] = ("weight", "score")
    VALUES: ClassVar[tuple[str, ...]] = ("target", "actual", "weight", "score")

    level1: str | None = Field(None, title="一级指标", description="一级指标")
    level2: str | None = Field(None, title="二级指标", description="二级指标")
    name: str = Field(title="三级指标", description="三级指标名称")
    target: str | None = Field(None, title="年度指标值", description="年度指标值")
    actual: str | None = Field(None, title="实际完成值", description="实际完成值")
    weight: Decimal | None = Field(None, title="分值", description="分值")
    score: Decimal | None = Field(None, title="得分", description="得分")
    deviation: str | None = Field(None, title="偏差原因", description="偏差原因分析及改进措施")


class TextItem(ListItem):
    """A paragraph of a report's prose, as printed."""

    KEY: ClassVar[str] = "text"

    text: str


class Problem(TextItem):
    """存在的问题：一条。"""


class Improvement(TextItem):
    """改进措施：一条。"""


# The item type of each list field path.
LIST_ITEM_TYPES: dict[str, type[ListItem]] = {
    "projects": Project,
    "indicators": Indicator,
    "problems": Problem,
    "improvements": Improvement,
}


class ReportField(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    value: Any = None
    status: FieldStatus = FieldStatus.MISSING
    evidence: list[Evidence] = Field(default_factory=list)
    flags: list[str] = Field(default_factory=list)
    candidates: list[Candidate] = Field(default_factory=list, exclude=True)


# --- LLM ----------------------------------------------------------------------------


class Usage(BaseModel):
    calls: int = 0
    cache_hits: int = 0
    input_tokens: int = 0
    output_tokens: int = 0

    def add(self, other: Usage) -> None:
        self.calls += other.calls
        self.cache_hits += other.cache_hits
        self.input_tokens += other.input_tokens
        self.output_tokens += other.output_tokens


class ChunkAnswer(BaseModel):
    """One chunk's LLM answer (a dict shaped like the chunk's response model)."""

    chunk_index: int
    status: ChunkStatus
    data: dict[str, Any] = Field(default_factory=dict)
    usage: Usage = Field(default_factory=Usage)
    seconds: float = 0.0
    error: str | None = None


class RunRecord(BaseModel):
    provider: str
    model: str | None
    prompt_version: str
    jixiao: str | None = None  # the version that wrote the output
    mode: str | None = None  # the output mode the model was asked in
    ask: str | None = None  # which fields were asked: gaps or all
    questions: int = 0
    llm_calls: int = 0
    cache_hits: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    seconds: float = 0.0
    failed_chunks: list[int] = Field(default_factory=list)
    chunks: int = 0


class SourceInfo(BaseModel):
    path: str
    sha256: str
    format: str
    ocr: bool = False
    chars: int
    pages: list[PageInfo] = Field(default_factory=list)


class ReportResult(BaseModel):
    """Everything one report produced; output.py turns it into the JSON contract."""

    name: str
    source: SourceInfo
    fields: dict[str, ReportField]
    flags: list[Flag] = Field(default_factory=list)
    run: RunRecord
    normalized_text: str
    status: ReportStatus = ReportStatus.DONE
