"""Golden corpus: reviewed cases -> field-level regression results.

In: `golden/<case>/` folders, each with the input report (`report.txt`, `report.docx`,
…), the recordings of a real model's responses for it (`recordings/chunk-NN.json`),
`expected.json` (the reviewed truth: a value and a verbatim quote per field path) and
`baseline.json` (each field's outcome when the baseline was last accepted).
Out: per case and field an outcome (ok match, flagged match, mismatch, missing, extra,
absent), what changed since the baseline, a JSON summary and JUnit XML. `record_case`
refreshes a case's recordings from a live endpoint. (Making a reviewed report a case is
`jixiao.review.promote`; this module knows nothing of review.)
"""

from __future__ import annotations

import difflib
import json
import logging
import shutil
import tempfile
import time
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from pydantic import BaseModel, Field

from jixiao.catalog import load_catalog
from jixiao.core import LIST_ITEM_TYPES, FieldStatus, ReportResult
from jixiao.errors import CaseError
from jixiao.evidence import squash
from jixiao.files import write_text_atomic
from jixiao.ingest import SUPPORTED_SUFFIXES, OcrEngine
from jixiao.llm import load_prompts, open_provider
from jixiao.output import flatten_report, report_json
from jixiao.pipeline import process_report
from jixiao.settings import ProviderName, Settings

logger = logging.getLogger(__name__)

EXPECTED_NAME = "expected.json"
BASELINE_NAME = "baseline.json"
NONE_ASKED_NAME = "NONE_ASKED.txt"
RECORDINGS_NAME = "recordings"
REPORT_STEM = "report"
# Text of at least PROSE_MIN_CHARS matches at PROSE_SIMILARITY (difflib ratio, white space
# and full-width forms folded): about one character in fifty may differ. Shorter text and
# every figure must match exactly.
PROSE_MIN_CHARS = 50
PROSE_SIMILARITY = 0.98


class Outcome(StrEnum):
    OK_MATCH = "ok_match"  # right value, status ok
    FLAGGED_MATCH = "flagged_match"  # right value, but flagged for review
    MISMATCH = "mismatch"  # a different value
    MISSING = "missing"  # truth has a value, output has none
    EXTRA = "extra"  # truth says the report does not state it, output has a value
    ABSENT = "absent"  # neither has a value

    @property
    def rank(self) -> int:
        """Higher is better; a drop in rank against the baseline is a regression."""
        return {"ok_match": 3, "flagged_match": 2, "absent": 3}.get(self.value, 0)


class FieldResult(BaseModel):
    path: str
    outcome: Outcome
    expected: Any = None
    got: Any = None
    baseline: Outcome | None = None

    @property
    def regressed(self) -> bool:
        return self.baseline is not None and self.outcome.rank < self.baseline.rank

    @property
    def improved(self) -> bool:
        return self.baseline is not None and self.outcome.rank > self.baseline.rank


class CaseResult(BaseModel):
    case: str
    fields: list[FieldResult] = Field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0

    def count(self, *outcomes: Outcome) -> int:
        return sum(1 for f in self.fields if f.outcome in outcomes)

    def counts(self) -> dict[str, int]:
        """Fields in truth, and how they came out (a match counts once, ok or flagged)."""
        stated = [f for f in self.fields if f.expected is not None]
        return {
            "truth": len(stated),
            "ok": sum(1 for f in stated if f.outcome is Outcome.OK_MATCH),
            "flagged": sum(1 for f in stated if f.outcome is Outcome.FLAGGED_MATCH),
            "mismatch": self.count(Outcome.MISMATCH),
            "missing": self.count(Outcome.MISSING),
            "extra": self.count(Outcome.EXTRA),
        }

    @property
    def in_truth(self) -> int:
        return sum(1 for f in self.fields if f.expected is not None)

    @property
    def regressions(self) -> list[FieldResult]:
        return [f for f in self.fields if f.regressed]

    @property
    def improvements(self) -> list[FieldResult]:
        return [f for f in self.fields if f.improved]


class RegressResult(BaseModel):
    cases: list[CaseResult] = Field(default_factory=list)
    live: bool = False
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        return any(c.error or c.regressions for c in self.cases)


# --- the corpus on disk -----------------------------------------------------------------


def case_dirs(root: Path) -> list[Path]:
    """The case folders at or under `root`: those holding a report.* input."""
    if list(root.glob(f"{REPORT_STEM}.*")):
        return [root]
    return sorted({p.parent for p in root.glob(f"*/{REPORT_STEM}.*")})


def case_input(case_dir: Path) -> Path:
    inputs = [p for p in case_dir.glob(f"{REPORT_STEM}.*") if p.suffix in SUPPORTED_SUFFIXES]
    if len(inputs) != 1:
        raise CaseError(f"{case_dir}: expected one {REPORT_STEM}.* input, found {len(inputs)}")
    return inputs[0]


def load_expected(case_dir: Path) -> dict[str, Any]:
    path = case_dir / EXPECTED_NAME
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CaseError(f"{path}: {exc}") from exc
    return document["fields"]


def load_baseline(case_dir: Path) -> dict[str, Outcome]:
    path = case_dir / BASELINE_NAME
    if not path.exists():
        return {}
    return {k: Outcome(v) for k, v in json.loads(path.read_text(encoding="utf-8")).items()}


def save_baseline(case_dir: Path, result: CaseResult) -> None:
    outcomes = {f.path: f.outcome.value for f in result.fields}
    write_text_atomic(case_dir / BASELINE_NAME, json.dumps(outcomes, indent=2) + "\n")


# --- running a case --------------------------------------------------------------------


def run_case(case_dir: Path, settings: Settings, ocr: OcrEngine | None = None) -> ReportResult:
    """The whole pipeline over one case: replayed from its recordings unless live."""
    if settings.resolved_provider() is ProviderName.REPLAY:
        settings = settings.model_copy(update={"replay_dir": case_dir / RECORDINGS_NAME})
    provider = open_provider(settings)
    try:
        return process_report(
            case_input(case_dir),
            REPORT_STEM,
            settings,
            provider,
            load_prompts(settings.prompts_dir).version,
            ocr=ocr,
        )
    finally:
        provider.close()


def record_case(case_dir: Path, settings: Settings) -> ReportResult:
    """Refresh a case's recordings from a live endpoint.

    Questions the model could not answer (a timeout, a truncated or invalid answer) are
    recorded as they happened, so the replay meets the same failure; a question that
    could not reach the endpoint leaves the old recordings in place. A case whose report
    the rules settle alone gets no recording, only a note saying so.
    """
    with tempfile.TemporaryDirectory() as scratch:
        live = settings.model_copy(
            update={"provider": ProviderName.OPENAI, "record_dir": Path(scratch)}
        )
        result = run_case(case_dir, live)
        unreachable = [
            f for f in result.flags if f.code == "chunk_failed" and "unreachable" in f.message
        ]
        if unreachable or (result.run.failed_chunks and result.run.llm_calls == 0):
            raise CaseError(
                f"{case_dir.name}: chunks {result.run.failed_chunks} failed; recordings kept"
            )
        target = case_dir / RECORDINGS_NAME
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        recordings = sorted((Path(scratch) / REPORT_STEM).glob("*.json"))
        for recording in recordings:
            shutil.move(str(recording), target / recording.name)
        if not recordings:
            (target / NONE_ASKED_NAME).write_text(
                "jixiao record asked the model nothing here: the rules settled every field.\n",
                encoding="utf-8",
            )
    return result


# --- comparing with the truth ------------------------------------------------------------


def _same(expected: Any, got: Any) -> bool:
    if expected is None or got is None:
        return expected is got
    if isinstance(expected, str) and not isinstance(got, str):
        expected, got = str(expected), str(got)
    if isinstance(got, int | float | Decimal) or (_is_number(expected) and _is_number(got)):
        try:
            return Decimal(str(expected)) == Decimal(str(got))
        except InvalidOperation:
            return False
    want, have = squash(str(expected)), squash(str(got))
    if want == have:
        return True
    # Prose (goals, long names) may carry a misread character when it came through OCR.
    return (
        min(len(want), len(have)) >= PROSE_MIN_CHARS
        and difflib.SequenceMatcher(None, want, have, autojunk=False).ratio() >= PROSE_SIMILARITY
    )


def _is_number(value: Any) -> bool:
    try:
        Decimal(str(value))
    except InvalidOperation:
        return False
    return True


def _item_matches(path: str, expected: dict, got: dict) -> bool:
    item_type = LIST_ITEM_TYPES[path]
    key, numbers = item_type.KEY, item_type.VALUES
    want, have = squash(str(expected.get(key) or "")), squash(str(got.get(key) or ""))
    if not want or not have or (want not in have and have not in want):
        return False
    return all(_same(expected.get(n), got.get(n)) for n in numbers if n in expected)


def compare_list(path: str, expected: list[dict], got: list[dict] | None) -> bool:
    got = list(got or [])
    if len(expected) != len(got):
        return False
    remaining = list(got)
    for item in expected:
        match = next((g for g in remaining if _item_matches(path, item, g)), None)
        if match is None:
            return False
        remaining.remove(match)
    return True


def compare(
    expected: dict[str, Any], output: dict[str, dict[str, Any]], baseline: dict[str, Outcome]
) -> list[FieldResult]:
    results = []
    for path in load_catalog().all_paths:
        truth = expected.get(path, {})
        want = truth.get("value") if isinstance(truth, dict) else truth
        field = output[path]
        got, ok = field["value"], field["status"] == FieldStatus.OK.value
        if path in LIST_ITEM_TYPES:
            want = want or None
            matches = want is not None and compare_list(path, want, got)
        else:
            matches = want is not None and _same(want, got)
        if want is None:
            outcome = Outcome.ABSENT if got is None else Outcome.EXTRA
        elif got is None:
            outcome = Outcome.MISSING
        elif matches:
            outcome = Outcome.OK_MATCH if ok else Outcome.FLAGGED_MATCH
        else:
            outcome = Outcome.MISMATCH
        results.append(
            FieldResult(
                path=path, outcome=outcome, expected=want, got=got, baseline=baseline.get(path)
            )
        )
    return results


def regress(root: Path, settings: Settings, update_baseline: bool = False) -> RegressResult:
    """Replay (or run live) every case under `root` and compare with the truth."""
    started = time.monotonic()
    result = RegressResult(live=settings.resolved_provider() is not ProviderName.REPLAY)
    for case_dir in case_dirs(root):
        case = CaseResult(case=case_dir.name)
        case_started = time.monotonic()
        try:
            expected = load_expected(case_dir)
            report = run_case(case_dir, settings)
            if report.run.failed_chunks:
                flags = [f.message for f in report.flags if f.code == "chunk_failed"]
                raise CaseError(f"cannot be replayed: {'; '.join(flags)}")
            flat = flatten_report(report_json(report)["report"])
            case.fields = compare(expected, flat, load_baseline(case_dir))
            if update_baseline:
                save_baseline(case_dir, case)
        except Exception as exc:
            logger.exception("golden case %s failed", case_dir.name)
            case.error = str(exc)
        case.seconds = round(time.monotonic() - case_started, 3)
        result.cases.append(case)
    result.seconds = round(time.monotonic() - started, 3)
    return result


# --- reports -----------------------------------------------------------------------------


def summary_json(result: RegressResult) -> dict[str, Any]:
    return {
        "live": result.live,
        "seconds": result.seconds,
        "failed": result.failed,
        "cases": [
            {
                "case": c.case,
                "error": c.error,
                "fields_in_truth": c.in_truth,
                "ok_match": c.count(Outcome.OK_MATCH),
                "flagged_match": c.count(Outcome.FLAGGED_MATCH),
                "mismatch": c.count(Outcome.MISMATCH),
                "missing": c.count(Outcome.MISSING),
                "extra": c.count(Outcome.EXTRA),
                "regressions": [f.path for f in c.regressions],
                "improvements": [f.path for f in c.improvements],
                "fields": {f.path: f.outcome.value for f in c.fields},
            }
            for c in result.cases
        ],
    }


def junit_xml(result: RegressResult) -> str:
    """The regress result as JUnit XML: a suite per case, a test case per field; a
    regression is a failure, a known mismatch a skip. Built with ElementTree, so every
    attribute is escaped by construction."""
    suites = ElementTree.Element("testsuites")
    for case in result.cases:
        failures = len(case.regressions) + (1 if case.error else 0)
        suite = ElementTree.SubElement(
            suites,
            "testsuite",
            name=case.case,
            tests=str(max(len(case.fields), 1)),
            failures=str(failures),
            time=str(case.seconds),
        )
        if case.error:
            replay = ElementTree.SubElement(suite, "testcase", classname=case.case, name="replay")
            ElementTree.SubElement(replay, "failure", message=case.error)
        for field in case.fields:
            test = ElementTree.SubElement(suite, "testcase", classname=case.case, name=field.path)
            if field.regressed:
                message = (
                    f"{field.path}: {field.baseline} -> {field.outcome} "
                    f"(expected {field.expected!r}, got {field.got!r})"
                )
                ElementTree.SubElement(test, "failure", message=message)
            elif field.outcome in (Outcome.MISMATCH, Outcome.MISSING, Outcome.EXTRA):
                ElementTree.SubElement(test, "skipped", message=f"known {field.outcome.value}")
    ElementTree.indent(suites)
    return ElementTree.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"
