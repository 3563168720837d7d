"""Promote: a fully reviewed report -> a new golden case.

In: an output folder, a report name in it, the new case folder and `Settings` (the LLM
cache the extraction used).
Out: `<case>/report.<ext>` (the input, unchanged), `<case>/recordings/` (each chunk's
exchanges from the LLM cache, so `jixiao regress` replays them) and `expected.json` (the
reviewed values with a verbatim quote each). Raises `ReviewError` when the report is not
there or still has undecided flagged fields, `CaseError` when the case cannot be made.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
from pathlib import Path
from typing import Any

from jixiao.catalog import load_catalog
from jixiao.errors import CaseError, ReviewError
from jixiao.files import write_text_atomic
from jixiao.golden import EXPECTED_NAME, RECORDINGS_NAME, REPORT_STEM
from jixiao.llm import cached_exchanges, load_prompts, question_cache_key
from jixiao.output import dumps, flatten_report, load_report, plain_json
from jixiao.pipeline import prepare, questions_for
from jixiao.recording import CallRecording, write_recording
from jixiao.review.apply import ROW_KEY, apply_decisions, list_reports, open_fields
from jixiao.review.decisions import DecisionStore
from jixiao.review.display import field_name
from jixiao.settings import AskPolicy, LLMMode, Settings

logger = logging.getLogger(__name__)


def promote_report(out_dir: Path, name: str, case_dir: Path, settings: Settings) -> list[str]:
    """Make a reviewed report a golden case: its input, its recordings (from the LLM
    cache) and its reviewed values as the truth. Every flagged field must be decided."""
    path = list_reports(out_dir).get(name)
    if path is None:
        raise ReviewError(f"{out_dir} 中没有报告 {name}")
    document = load_report(path)
    reviewed = apply_decisions(
        document, DecisionStore(out_dir).latest(document["source"]["sha256"])
    )
    fields = flatten_report(reviewed["report"])
    still_open = open_fields(reviewed)
    if still_open:
        raise ReviewError(
            f"{name}：还有待审字段未处理：" + "、".join(field_name(p) for p in still_open)
        )
    source = Path(document["source"]["path"])
    if not source.is_file():
        raise CaseError(f"{name}: its input {source} is not there any more")
    if hashlib.sha256(source.read_bytes()).hexdigest() != document["source"]["sha256"]:
        raise CaseError(f"{name}: {source} changed since it was extracted")
    run = document["run"]
    if not run.get("model"):
        raise CaseError(f"{name}: extracted without a model; there is nothing to replay")
    settings = settings.model_copy(update={"model": run["model"]})
    prompts = load_prompts(settings.prompts_dir)
    if prompts.version != run["prompt_version"]:
        raise CaseError(
            f"{name}: extracted with prompt {run['prompt_version']}, "
            f"the prompts are now {prompts.version}"
        )
    mode = LLMMode(run.get("mode") or LLMMode.TOOLS.value)
    settings = settings.model_copy(update={"ask": AskPolicy(run.get("ask") or "all")})
    catalog = load_catalog()
    questions = questions_for(catalog, prepare(source, settings, catalog), settings)
    case_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        (Path(scratch) / REPORT_STEM).mkdir()
        for question in questions:
            exchanges = cached_exchanges(settings, prompts, question, mode)
            if not exchanges:
                raise CaseError(
                    f"{name}: question {question.label} is not in the cache "
                    f"{settings.cache_dir} with its exchanges"
                )
            write_recording(
                Path(scratch),
                CallRecording(
                    report=REPORT_STEM,
                    chunk=question.chunk_index,
                    part=question.part,
                    cache_key=question_cache_key(settings, prompts, question, mode),
                    exchanges=exchanges,
                ),
            )
        target = case_dir / RECORDINGS_NAME
        shutil.rmtree(target, ignore_errors=True)
        shutil.move(str(Path(scratch) / REPORT_STEM), target)
    shutil.copyfile(source, case_dir / f"{REPORT_STEM}{source.suffix.lower()}")
    truth: dict[str, Any] = {}
    for path_name, field in fields.items():
        value = field["value"]
        if isinstance(value, list):
            truth[path_name] = {
                "value": [
                    {
                        **{
                            k: v
                            for k, v in item.items()
                            if k not in ("evidence", "flags", "review", ROW_KEY)
                        },
                        "quote": (item.get("evidence") or [{}])[0].get("quote"),
                    }
                    for item in value
                ]
            }
        elif value is None:
            truth[path_name] = {"value": None}
        else:
            quote = field["evidence"][0]["quote"] if field["evidence"] else None
            truth[path_name] = {"value": value, "quote": quote}
    write_text_atomic(
        case_dir / EXPECTED_NAME,
        dumps(
            plain_json(
                {
                    "case": case_dir.name,
                    "seed": str(source),
                    "variant_of": None,
                    "reviewed": f"promoted from {out_dir}/{name} after review",
                    "notes": "",
                    "fields": truth,
                }
            )
        ),
    )
    logger.info("promoted %s/%s to the golden case %s", out_dir, name, case_dir)
    return [f"{REPORT_STEM}{source.suffix.lower()}", RECORDINGS_NAME, EXPECTED_NAME]
