"""Pipeline: report files -> written outputs, one stage after another.

In: input paths (files or folders), an output folder and `Settings`.
Out: per report `<name>.json` + `<name>.normalized.txt` + `<name>.index.jsonl` (the
figures review offers as candidates; for scanned inputs also `.pages/<name>/`, the page
images and text boxes, see `pages`), a `calls.jsonl` log line per chunk call, and
`jixiao-run.json` summing up the batch; returns a `BatchResult`.
A report that cannot be read is recorded with its reason and the batch goes on; a
report whose chunks failed is written with `chunk_failed` flags and counted as failed.
This is the library's entry point; the CLI only parses flags and prints.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from jixiao import __version__
from jixiao.catalog import Catalog, load_catalog
from jixiao.checks import run_checks
from jixiao.chunk import make_chunks
from jixiao.core import (
    Block,
    BlockKind,
    Chunk,
    ChunkAnswer,
    ChunkStatus,
    FieldStatus,
    Flag,
    Question,
    ReportField,
    ReportResult,
    ReportStatus,
    RunRecord,
    Section,
    Severity,
    SourceDocument,
    SourceInfo,
    Suspect,
    Usage,
)
from jixiao.errors import IngestError
from jixiao.files import write_text_atomic
from jixiao.ingest import OcrEngine, find_reports, leaves_folder, read_source
from jixiao.ingest.ocr import shared_engine
from jixiao.lists import build_lists
from jixiao.llm import Provider, load_prompts, open_provider
from jixiao.merge import merge_answers
from jixiao.normalize import normalize_document
from jixiao.numbers import IndexedNumber, index_numbers
from jixiao.output import (
    CALL_LOG_NAME,
    INDEX_SCHEMA_VERSION,
    RUN_SUMMARY_NAME,
    IndexEntry,
    flatten_report,
    load_report,
    write_index,
    write_report,
)
from jixiao.pages import save_pages
from jixiao.questions import plan_questions
from jixiao.rules import RuleContext, entries_for, run_rules
from jixiao.segment import build_sections, segment
from jixiao.settings import AskPolicy, ProviderName, Settings
from jixiao.validate import (
    chunk_failures,
    settle_statuses,
    spare_settled,
    suspect_flags,
    validate,
)

logger = logging.getLogger(__name__)

RUN_LOG_NAME = "jixiao.log"
RUN_HISTORY_NAME = "jixiao-runs.jsonl"  # one line per run, appended: the batch's history
KEPT_REASON = (
    "上次的输出更完整，已保留 (the earlier, more complete output was kept; --force replaces it)"
)
UNCHANGED_REASON = (
    "输入与设置未变，沿用上次的输出 (unchanged input and settings: the earlier output stands; "
    "--force redoes it)"
)
LINK_OUT_REASON = "指向输入文件夹之外的链接，未读取 (a link out of the input folder; not read)"


class ReportSummary(BaseModel):
    name: str
    path: str
    status: ReportStatus
    reason: str | None = None
    chunks: int = 0
    llm_calls: int = 0
    cache_hits: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    seconds: float = 0.0
    fields_found: int = 0
    fields_ok: int = 0
    errors: int = 0
    warnings: int = 0
    output: str | None = None


class BatchResult(BaseModel):
    provider: str
    model: str | None
    prompt_version: str
    reports: list[ReportSummary] = Field(default_factory=list)

    @property
    def failed(self) -> list[ReportSummary]:
        return [r for r in self.reports if r.status is not ReportStatus.DONE]


class CallLog:
    """Appends one JSON line per chunk call (metadata only: no text, no key)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.Lock()

    def write(
        self, report: str, provider: str, answer: ChunkAnswer, question: Question | None = None
    ) -> None:
        if self.path is None or answer.status is ChunkStatus.SKIPPED:
            return
        entry = {
            "time": datetime.now(UTC).isoformat(timespec="seconds"),
            "report": report,
            "chunk": answer.chunk_index,
            "question": question.label if question else None,
            "fields": (question.fields + question.lists) if question else None,
            "provider": provider,
            "status": answer.status.value,
            "http_calls": answer.usage.calls,
            "input_tokens": answer.usage.input_tokens,
            "output_tokens": answer.usage.output_tokens,
            "seconds": round(answer.seconds, 3),
            "error": answer.error,
        }
        with self._lock, self.path.open("a", encoding="utf-8") as stream:
            stream.write(json.dumps(entry, ensure_ascii=False) + "\n")


def report_name(path: Path, base: Path) -> str:
    """The input's path relative to the folder it was found in, without its extension."""
    try:
        relative = path.relative_to(base)
    except ValueError:
        relative = Path(path.name)
    return relative.with_suffix("").as_posix()


class Prepared(BaseModel):
    """One report read, normalized, segmented, chunked and indexed."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    document: SourceDocument
    text: str
    blocks: list[Block]
    sections: list[Section]
    chunks: list[Chunk]
    index: list[IndexedNumber]
    suspects: list[Suspect] = Field(default_factory=list)

    @cached_property
    def context(self) -> RuleContext:
        """The report's one rule context: the rules set its fiscal year when they run."""
        return self.rule_context()

    @cached_property
    def rules_alone(self) -> dict[str, ReportField]:
        """Every field as the rules alone settle it (no model answer), on a fresh rule
        context: what the model is asked about, and what it may not lower. Read-only."""
        fields, _ = settle_report(load_catalog(), self, [], self.rule_context())
        return fields

    def rule_context(self) -> RuleContext:
        """A fresh rule context over this report (what `context` holds once)."""
        return RuleContext(
            text=self.text,
            index=self.index,
            blocks=self.blocks,
            sections=self.sections,
            ocr=self.document.ocr,
        )


def prepare(
    path: Path, settings: Settings, catalog: Catalog, ocr: OcrEngine | None = None
) -> Prepared:
    """Ingest, normalize, segment, chunk and index one report. Scanned pages are read by
    `ocr`, or else by the process's engine for these settings' OCR cache and workers."""
    document = read_source(path, ocr or shared_engine(settings.ocr_cache_dir(), settings.ocr_jobs))
    normalized = normalize_document(document)
    text = normalized.text
    blocks = segment(normalized)
    sections = build_sections(text, blocks)
    return Prepared(
        document=document,
        text=text,
        blocks=blocks,
        sections=sections,
        chunks=make_chunks(text, sections, settings.chunk_tokens, catalog),
        index=index_numbers(text, [b for b in blocks if b.kind is BlockKind.TABLE]),
        suspects=normalized.suspects,
    )


def settle_report(
    catalog: Catalog,
    prepared: Prepared,
    answers: list[ChunkAnswer],
    context: RuleContext | None = None,
) -> tuple[dict[str, ReportField], list[Flag]]:
    """Merge the answers, run the rules, ground and reconcile, check, settle statuses.

    Silence is not doubt: a field the model left empty settles exactly as the rules
    alone settle it. `context` defaults to the report's own (`prepared.context`).
    """
    fields, flags = merge_answers(catalog, prepared.chunks, answers, prepared.text)
    context = context or prepared.context
    findings = run_rules(catalog, context)
    rule_lists = build_lists(context)
    flags += validate(catalog, fields, context, findings, rule_lists)
    flags += run_checks(catalog, fields, findings.execution_score)
    flags += chunk_failures(answers)
    flags += suspect_flags(fields, prepared.suspects)
    return fields, settle_statuses(fields, flags)


def open_fields(catalog: Catalog, prepared: Prepared) -> tuple[set[str], set[str]]:
    """(scalar keys, list paths) the rules alone leave missing or not `ok`: what the
    model is asked for under `--ask gaps`."""
    fields = prepared.rules_alone
    keys = {
        spec.key
        for spec in catalog.fields
        if fields[spec.path].value is None or fields[spec.path].status is not FieldStatus.OK
    }
    paths = {spec.path for spec in catalog.lists if not fields[spec.path].value}
    return keys, paths


def questions_for(catalog: Catalog, prepared: Prepared, settings: Settings) -> list[Question]:
    """The questions a model is asked about this report under these settings."""
    if settings.ask is AskPolicy.ALL:
        keys = {spec.key for spec in catalog.fields}
        paths = {spec.path for spec in catalog.lists}
    else:
        keys, paths = open_fields(catalog, prepared)
    return plan_questions(
        prepared.chunks,
        catalog,
        keys,
        paths,
        settings.fields_per_call,
        settings.max_output_tokens,
    )


def process_report(
    path: Path,
    name: str,
    settings: Settings,
    provider: Provider,
    prompt_version: str,
    catalog: Catalog | None = None,
    pool: ThreadPoolExecutor | None = None,
    call_log: CallLog | None = None,
    ocr: OcrEngine | None = None,
    prepared: Prepared | None = None,
) -> ReportResult:
    """Run one report through every stage. Raises `IngestError` for unreadable input."""
    started = time.monotonic()
    catalog = catalog or load_catalog()
    prepared = prepared or prepare(path, settings, catalog, ocr)
    text, chunks = prepared.text, prepared.chunks

    questions: list[Question] = []
    if provider.name != ProviderName.NONE.value:
        questions = questions_for(catalog, prepared, settings)

    def ask(question: Question) -> ChunkAnswer:
        answer = provider.answer(question, name)
        if call_log is not None:
            call_log.write(name, provider.name, answer, question)
        return answer

    if pool is not None:
        answers = list(pool.map(ask, questions))
    else:
        answers = [ask(question) for question in questions]

    fields, flags = settle_report(catalog, prepared, answers)
    if any(a.data for a in answers):
        flags = settle_statuses(fields, spare_settled(fields, flags, prepared.rules_alone))
    usage = Usage()
    for answer in answers:
        usage.add(answer.usage)
    failed = sorted({a.chunk_index for a in answers if a.status is ChunkStatus.FAILED})
    run = RunRecord(
        provider=provider.name,
        model=provider.model,
        prompt_version=prompt_version,
        jixiao=__version__,
        mode=provider.mode.value if provider.mode else None,
        ask=settings.ask.value if questions else None,
        questions=len(questions),
        llm_calls=usage.calls,
        cache_hits=usage.cache_hits,
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        seconds=round(time.monotonic() - started, 3),
        failed_chunks=failed,
        chunks=len(chunks),
    )
    document = prepared.document
    source = SourceInfo(
        path=path.as_posix(),
        sha256=document.sha256,
        format=document.format,
        ocr=document.ocr,
        chars=len(text),
        pages=document.pages,
    )
    return ReportResult(
        name=name,
        source=source,
        fields=fields,
        flags=flags,
        run=run,
        normalized_text=text,
        status=ReportStatus.PARTIAL if failed else ReportStatus.DONE,
    )


def extract_report(
    path: Path | str, settings: Settings | None = None, name: str | None = None
) -> ReportResult:
    """The library's one-call entry point: one report file -> its `ReportResult`.

    `settings` default to the environment's (`Settings()`: no endpoint means the rules
    alone). Nothing is written; `output.write_report` writes the JSON contract. Raises
    `IngestError` for unreadable input and `LLMConfigError` for unusable LLM settings.
    """
    path = Path(path)
    settings = settings or Settings()
    provider = open_provider(settings)
    try:
        prompt_version = load_prompts(settings.prompts_dir).version
        return process_report(path, name or path.stem, settings, provider, prompt_version)
    finally:
        provider.close()


def index_lines(catalog: Catalog, context: RuleContext) -> list[dict[str, Any]]:
    """The index file's lines: a header, then one line per figure in text order.

    `context` is the one the rules settled the report with (its fiscal year is known).

    Header: `{"schema_version": 1, "fiscal_year": 2023, "fits": {"funds.basic": [3, 7],
    ...}}`, every numeric field with the positions (0-based, among the figure lines) of
    the figures whose label and kind fit it, in the order the rules list them. Figure
    lines: `{"value": "70.1", "text": "70.1万元", "kind": "money", "label": ...,
    "row_label": ..., "column_label": ..., "start": 120, "end": 126}`, `value` a string of
    exact digits in the field's unit (万元 for money).
    """
    position = {id(entry): n for n, entry in enumerate(context.index)}
    fits = {
        spec.path: [position[id(e)] for e in entries_for(spec, context)]
        for spec in catalog.fields
        if spec.numeric
    }
    lines: list[dict[str, Any]] = [
        {"schema_version": INDEX_SCHEMA_VERSION, "fiscal_year": context.fiscal_year, "fits": fits}
    ]
    for entry in context.index:
        value = entry.wanyuan if entry.kind == "money" else entry.value
        lines.append(
            IndexEntry(
                value=format(value, "f") if isinstance(value, Decimal) else None,
                text=entry.text,
                kind=entry.kind,
                label=entry.label,
                row_label=entry.row_label,
                column_label=entry.column_label,
                start=entry.start,
                end=entry.end,
            ).model_dump()
        )
    return lines


def summarize(result: ReportResult, output: Path) -> ReportSummary:
    failed = result.run.failed_chunks
    return ReportSummary(
        name=result.name,
        path=result.source.path,
        status=result.status,
        reason=f"{len(failed)} of {result.run.chunks} chunks failed" if failed else None,
        chunks=result.run.chunks,
        llm_calls=result.run.llm_calls,
        cache_hits=result.run.cache_hits,
        input_tokens=result.run.input_tokens,
        output_tokens=result.run.output_tokens,
        seconds=result.run.seconds,
        fields_found=sum(1 for f in result.fields.values() if f.status is not FieldStatus.MISSING),
        fields_ok=sum(1 for f in result.fields.values() if f.status is FieldStatus.OK),
        errors=sum(1 for f in result.flags if f.severity is Severity.ERROR),
        warnings=sum(1 for f in result.flags if f.severity is Severity.WARNING),
        output=output.as_posix(),
    )


# The run's own files in the output folder: a report may not be named like them.
RESERVED_NAMES = frozenset(
    {"jixiao-run", "jixiao-runs", "jixiao-review", "jixiao", "calls", "export"}
)
NAME_MAX_BYTES = 200  # a file name's limit is 255 bytes; ".normalized.txt" and kin follow


def _fitting(name: str) -> str:
    """`name` with each part short enough for a file name (a long one is cut and keeps a
    hash of the whole, so two long names stay apart)."""
    parts = []
    for part in name.split("/"):
        if len(part.encode("utf-8")) > NAME_MAX_BYTES:
            digest = hashlib.sha256(part.encode("utf-8")).hexdigest()[:12]
            cut = part.encode("utf-8")[: NAME_MAX_BYTES - 13].decode("utf-8", "ignore")
            part = f"{cut}-{digest}"
        parts.append(part)
    return "/".join(parts)


def unique_names(found: list[tuple[Path, Path]]) -> list[tuple[Path, str]]:
    """Output names: the input's relative path without its extension; inputs that differ
    only in extension keep it, names of the run's own files get `-report`, and every
    part fits a file name."""
    names = [report_name(path, base) for path, base in found]
    named = []
    for (path, _), name in zip(found, names, strict=True):
        if names.count(name) > 1:
            name = f"{name}{path.suffix.lower()}"
        if name.lower() in RESERVED_NAMES:
            name = f"{name}-report"
        named.append((path, _fitting(name)))
    return named


def _failed(name: str, path: Path, reason: str) -> ReportSummary:
    return ReportSummary(name=name, path=path.as_posix(), status=ReportStatus.FAILED, reason=reason)


def run_batch(
    inputs: list[Path],
    out_dir: Path,
    settings: Settings,
    on_start: Callable[[int], None] | None = None,
    on_report: Callable[[ReportSummary], None] | None = None,
    force: bool = False,
) -> BatchResult:
    """Extract every report under `inputs` into `out_dir`. Raises `LLMConfigError`.

    Everything the library logs during the batch, tracebacks of failed reports and chunks
    included, is appended to `out_dir/jixiao.log`; each run's summary is appended to
    `out_dir/jixiao-runs.jsonl`. An earlier output of the same input is never replaced by
    one whose model calls failed for more chunks, unless `force`.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    with run_log(out_dir / RUN_LOG_NAME):
        return _run_batch(inputs, out_dir, settings, on_start, on_report, force)


@contextmanager
def run_log(path: Path) -> Iterator[None]:
    """Append the library's log records (debug and up) to `path` while the block runs."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    package = logging.getLogger("jixiao")
    previous_level = package.level
    package.addHandler(handler)
    if package.getEffectiveLevel() > logging.DEBUG:
        package.setLevel(logging.DEBUG)
    try:
        logger.info("run started (jixiao %s)", __version__)
        yield
    finally:
        logger.info("run ended")
        package.removeHandler(handler)
        package.setLevel(previous_level)
        handler.close()


def _run_batch(
    inputs: list[Path],
    out_dir: Path,
    settings: Settings,
    on_start: Callable[[int], None] | None,
    on_report: Callable[[ReportSummary], None] | None,
    force: bool,
) -> BatchResult:
    provider = open_provider(settings)
    prompt_version = load_prompts(settings.prompts_dir).version
    logger.info("provider %s, model %s, prompts %s", provider.name, provider.model, prompt_version)
    call_log = CallLog(out_dir / CALL_LOG_NAME)
    batch = BatchResult(provider=provider.name, model=provider.model, prompt_version=prompt_version)
    found = find_reports(inputs)
    walked = {path.resolve() for path in inputs if path.is_dir()}
    outside = {
        path for path, base in found if base.resolve() in walked and leaves_folder(path, base)
    }
    targets = unique_names(found)
    if on_start:
        on_start(len(targets))
    catalog = load_catalog()
    ocr = shared_engine(settings.ocr_cache_dir(), settings.ocr_jobs)  # models load on first use
    try:
        with ThreadPoolExecutor(max_workers=settings.jobs) as pool:
            for path, name in targets:
                if path in outside:
                    logger.warning("%s: a link out of its input folder; not read", path)
                    summary = _failed(name, path, LINK_OUT_REASON)
                    batch.reports.append(summary)
                    if on_report:
                        on_report(summary)
                    continue
                finished = (
                    None
                    if force
                    else _finished_earlier(out_dir, name, path, batch, provider, settings)
                )
                if finished is not None:
                    batch.reports.append(finished)
                    if on_report:
                        on_report(finished)
                    continue
                try:
                    prepared = prepare(path, settings, catalog, ocr)
                    result = process_report(
                        path,
                        name,
                        settings,
                        provider,
                        prompt_version,
                        catalog,
                        pool,
                        call_log,
                        ocr,
                        prepared,
                    )
                    earlier = _better_earlier_output(out_dir, name, result, force)
                    if earlier is not None:
                        summary = summarize(result, earlier)
                        summary.reason = f"{summary.reason}; {KEPT_REASON}"
                        logger.warning("%s: %s", path, summary.reason)
                    else:
                        write_index(out_dir, name, index_lines(catalog, prepared.context))
                        summary = summarize(result, write_report(out_dir, result))
                        save_pages(out_dir, name, prepared.document, text=prepared.text)
                except IngestError as exc:
                    logger.warning("%s: not read: %s", path, exc.reason)
                    summary = _failed(name, path, exc.reason)
                except Exception as exc:
                    logger.exception("%s: internal error", path)
                    summary = _failed(name, path, f"internal error: {type(exc).__name__}: {exc}")
                batch.reports.append(summary)
                if on_report:
                    on_report(summary)
    finally:
        provider.close()
        write_text_atomic(out_dir / RUN_SUMMARY_NAME, batch.model_dump_json(indent=2) + "\n")
        with (out_dir / RUN_HISTORY_NAME).open("a", encoding="utf-8") as history:
            history.write(batch.model_dump_json() + "\n")
    return batch


def _finished_earlier(
    out_dir: Path,
    name: str,
    path: Path,
    batch: BatchResult,
    provider: Provider,
    settings: Settings,
) -> ReportSummary | None:
    """The summary of an earlier output that this run would only repeat: same input bytes,
    same jixiao version, provider, model, mode, prompts and ask policy, and nothing failed
    then. A batch stopped half-way is resumed this way without redoing finished reports."""
    json_path = out_dir / f"{name}.json"
    if not json_path.exists():
        return None
    try:
        earlier = load_report(json_path)
        run, source = earlier["run"], earlier["source"]
        same = (
            source["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
            and run.get("jixiao") == __version__
            and run.get("provider") == batch.provider
            and run.get("model") == batch.model
            and run.get("prompt_version") == batch.prompt_version
            and run.get("mode") == (provider.mode.value if provider.mode else None)
            and (run.get("ask") in (None, settings.ask.value))
            and not run.get("failed_chunks")
        )
        if not same:
            return None
        fields = flatten_report(earlier["report"])
        flags = earlier.get("flags") or []
    except (OSError, ValueError, KeyError, TypeError):
        return None
    logger.info("%s: unchanged since %s was written; not redone", path, json_path)
    return ReportSummary(
        name=name,
        path=path.as_posix(),
        status=ReportStatus.DONE,
        reason=UNCHANGED_REASON,
        chunks=run.get("chunks", 0),
        fields_found=sum(
            1 for f in fields.values() if f.get("status") != FieldStatus.MISSING.value
        ),
        fields_ok=sum(1 for f in fields.values() if f.get("status") == FieldStatus.OK.value),
        errors=sum(1 for f in flags if f.get("severity") == Severity.ERROR.value),
        warnings=sum(1 for f in flags if f.get("severity") == Severity.WARNING.value),
        output=json_path.as_posix(),
    )


def _better_earlier_output(
    out_dir: Path, name: str, result: ReportResult, force: bool
) -> Path | None:
    """The earlier output of the same input when it is better than this run's (this run's
    model calls failed for more chunks: a dead endpoint must not wipe good answers)."""
    json_path = out_dir / f"{name}.json"
    if force or not result.run.failed_chunks or not json_path.exists():
        return None
    try:
        earlier = load_report(json_path)
        same_input = earlier["source"]["sha256"] == result.source.sha256
        earlier_failed = len(earlier["run"].get("failed_chunks") or [])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if same_input and earlier_failed < len(result.run.failed_chunks):
        return json_path
    return None
