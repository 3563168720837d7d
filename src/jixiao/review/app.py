"""Review app: an output folder -> a local web page to clear flagged fields.

In: `OUT_DIR` with `<name>.json` + `<name>.normalized.txt` (+ `<name>.index.jsonl`) per
report, a reviewer name.
Out: a FastAPI app (served on 127.0.0.1 by `jixiao review`): a queue of reports ordered
by risk, one screen per report with the source text and its evidence highlighted, the
fields (flagged first) with their flags in words and the candidate figures the number
index found at extraction (read from `<name>.index.jsonl`; nothing is segmented, indexed
or ruled here, and a folder written before that file existed shows no candidates), and
POST actions (accept / edit / not in report) stored as decisions.

Safety: Jinja2 escapes all report text; report names are looked up in the set of
reports found under OUT_DIR, never joined into paths; only the packaged static folder is
served; state-changing requests are POSTs whose Origin (or Referer) must be this server.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass, field
from decimal import InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from jixiao.catalog import Catalog, load_catalog
from jixiao.core import LIST_ITEM_TYPES
from jixiao.flags import flag_words
from jixiao.output import (
    INDEX_SUFFIX,
    NORMALIZED_SUFFIX,
    IndexEntry,
    SavedIndex,
    flatten_report,
    load_index,
    load_report,
)
from jixiao.review.apply import apply_decisions, list_reports, typed
from jixiao.review.decisions import Action, Decision, DecisionStore

logger = logging.getLogger(__name__)

GROUP_ORDER = ["basics", "funds", "score", "projects", "indicators", "narrative", "filing"]
STATUS_ORDER = {"flagged": 0, "reviewed": 1, "ok": 2, "missing": 3}
OTHER_CANDIDATES = 6
NO_INDEX_NOTICE = (
    "这份输出没有保存数字索引（{file}），是旧版 jixiao 生成的，所以不显示候选数；"
    "重新运行 jixiao extract 即可看到候选数。"
    " This output has no saved number index, so no candidate figures are shown."
)


@dataclass
class Segment:
    text: str
    fields: list[str] = field(default_factory=list)
    flagged: bool = False


def _item_columns(path: str) -> list[tuple[str, str]]:
    item_type = LIST_ITEM_TYPES.get(path)
    if item_type is None:
        return []
    return [(key, header) for key, header in item_type.headers() if key != item_type.KEY]


@dataclass
class FieldView:
    path: str
    zh: str
    group: str
    value: Any
    status: str
    flags: list[str]
    messages: list[str]
    evidence: list[dict[str, Any]]
    decision: Decision | None
    candidates: list[dict[str, Any]]
    is_list: bool = False
    # For list fields: (attribute, Chinese header) of each item's values, its name aside.
    columns: list[tuple[str, str]] = field(default_factory=list)


def _highlight(text: str, views: list[FieldView]) -> list[Segment]:
    """The text cut at every evidence boundary, each piece knowing the fields it backs."""
    spans = [
        (e["start"], e["end"], v.path, v.status == "flagged")
        for v in views
        for e in v.evidence
        if 0 <= e["start"] < e["end"] <= len(text)
    ]
    cuts = sorted({0, len(text), *[s for s, _, _, _ in spans], *[e for _, e, _, _ in spans]})
    pieces = []
    for start, end in itertools.pairwise(cuts):
        covering = [(p, f) for s, e, p, f in spans if s <= start and end <= e]
        pieces.append(
            Segment(
                text=text[start:end],
                fields=[p for p, _ in covering],
                flagged=any(f for _, f in covering),
            )
        )
    return pieces


def _candidate(entry: IndexEntry, fits: bool) -> dict[str, Any]:
    label = " × ".join(x for x in (entry.label or entry.row_label, entry.column_label) if x)
    return {
        "value": entry.value,
        "text": entry.text,
        "label": label or "（无标签）",
        "start": entry.start,
        "end": entry.end,
        "fits": fits,
    }


def _candidates(index: SavedIndex, fitting: list[int]) -> list[dict[str, Any]]:
    """The figures that fit a field, then a few others of the same kind, in text order."""
    if not fitting:
        return []
    kind, taken = index.entries[fitting[0]].kind, set(fitting)
    others = [n for n, e in enumerate(index.entries) if e.kind == kind and n not in taken]
    return [_candidate(index.entries[n], True) for n in fitting] + [
        _candidate(index.entries[n], False) for n in others[:OTHER_CANDIDATES]
    ]


class ReviewApp:
    def __init__(self, out_dir: Path, reviewer: str) -> None:
        self.out_dir = out_dir.resolve()
        self.reviewer = reviewer
        self.catalog: Catalog = load_catalog()
        self.store = DecisionStore(self.out_dir)

    def reports(self) -> dict[str, Path]:
        return list_reports(self.out_dir)

    def load(self, name: str) -> tuple[dict[str, Any], str, SavedIndex | None]:
        """The report, its normalized text and its saved number index (None if older)."""
        path = self.reports().get(name)
        if path is None:  # only names found under OUT_DIR; nothing is joined into a path
            raise HTTPException(status_code=404, detail="no such report")
        stem = path.name[: -len(".json")]
        text = path.with_name(stem + NORMALIZED_SUFFIX).read_text(encoding="utf-8")
        return load_report(path), text, load_index(path.with_name(stem + INDEX_SUFFIX))

    def queue(self) -> list[dict[str, Any]]:
        rows = []
        for name, path in self.reports().items():
            document = load_report(path)
            flags = document["flags"]
            errors = sum(1 for f in flags if f["severity"] == "error")
            warnings = len(flags) - errors
            flagged = {
                p for p, f in flatten_report(document["report"]).items() if f["status"] == "flagged"
            }
            decided = set(self.store.latest(document["source"]["sha256"]))
            rows.append(
                {
                    "name": name,
                    "errors": errors,
                    "warnings": warnings,
                    "flagged": len(flagged),
                    "cleared": len(flagged & decided),
                    "source": document["source"]["path"],
                }
            )
        return sorted(rows, key=lambda r: (-r["errors"], -r["warnings"], r["name"]))

    def views(self, document: dict[str, Any], index: SavedIndex | None) -> list[FieldView]:
        decisions = self.store.latest(document["source"]["sha256"])
        current = flatten_report(apply_decisions(document, decisions, self.catalog)["report"])
        messages: dict[str, list[str]] = {}
        for flag in document["flags"]:
            messages.setdefault(flag["field"].split("[")[0], []).append(flag["message"])
        views = []
        for path, value in current.items():
            original = flatten_report(document["report"])[path]
            spec = next((s for s in self.catalog.fields if s.path == path), None)
            group = (
                spec.group if spec else next(s.group for s in self.catalog.lists if s.path == path)
            )
            candidates = []
            if index and spec is not None and spec.numeric and original["status"] == "flagged":
                candidates = _candidates(index, index.fits.get(path, []))
            views.append(
                FieldView(
                    path=path,
                    zh=spec.zh if spec else path,
                    group=group,
                    value=value["value"],
                    status=value["status"],
                    flags=original["flags"],
                    messages=messages.get(path, []),
                    evidence=value["evidence"],
                    decision=decisions.get(path),
                    candidates=candidates,
                    is_list=isinstance(value["value"], list),
                    columns=_item_columns(path),
                )
            )
        errors = {f["field"].split("[")[0] for f in document["flags"] if f["severity"] == "error"}
        return sorted(
            views,
            key=lambda v: (
                STATUS_ORDER.get(v.status, 9),
                v.path not in errors,
                GROUP_ORDER.index(v.group),
            ),
        )

    def decide(
        self,
        name: str,
        path: str,
        action: Action,
        value: str | None,
        reason: str | None,
        start: int | None,
        end: int | None,
    ) -> Decision:
        document, text, index = self.load(name)
        known = {v.path for v in self.views(document, index)}
        base = path.split("[")[0]
        if path not in known and base not in known:
            raise HTTPException(status_code=400, detail="unknown field")
        current = flatten_report(document["report"]).get(base, {}).get("value")
        new_value: Any = None
        evidence = None
        if action is Action.ACCEPT:
            new_value = current
        elif action is Action.EDIT:
            new_value = self._parse(path, value)
            if start is not None and end is not None and 0 <= start < end <= len(text):
                evidence = [{"start": start, "end": end, "quote": text[start:end]}]
        return self.store.add(
            Decision(
                report=name,
                report_sha256=document["source"]["sha256"],
                field=path,
                old_value=current,
                new_value=new_value,
                action=action,
                reason=(reason or "").strip() or None,
                reviewer=self.reviewer,
                evidence=evidence,
            )
        )

    def _parse(self, path: str, value: str | None) -> Any:
        text = (value or "").strip()
        if not text:
            raise HTTPException(status_code=400, detail="an edit needs a value")
        spec = next((s for s in self.catalog.fields if s.path == path), None)
        if spec is not None and spec.numeric:
            try:
                return typed(self.catalog, path, text.replace(",", "").rstrip("%万元人年分"))
            except (InvalidOperation, ValueError) as exc:
                raise HTTPException(status_code=400, detail=f"not a number: {text}") from exc
        return text


def _int(text: str | None) -> int | None:
    return int(text) if text and text.strip().isdigit() else None


def create_app(out_dir: Path, reviewer: str) -> FastAPI:
    review = ReviewApp(out_dir, reviewer)
    app = FastAPI(title="jixiao review", docs_url=None, redoc_url=None, openapi_url=None)
    web = resources.files("jixiao.review") / "web"
    words = flag_words()
    templates = Jinja2Templates(directory=str(web / "templates"))  # autoescapes .html
    app.mount("/static", StaticFiles(directory=str(web / "static")), name="static")

    def same_origin(request: Request) -> None:
        origin = request.headers.get("origin") or request.headers.get("referer")
        if not origin or urlsplit(origin).netloc != request.headers.get("host"):
            raise HTTPException(status_code=403, detail="cross-origin request refused")

    @app.get("/", response_class=HTMLResponse)
    def queue(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(
            request,
            "queue.html",
            {"reports": review.queue(), "reviewer": reviewer, "out_dir": str(review.out_dir)},
        )

    @app.get("/r/{name:path}", response_class=HTMLResponse)
    def report(request: Request, name: str) -> HTMLResponse:
        document, text, index = review.load(name)
        views = review.views(document, index)
        names = [r["name"] for r in review.queue()]
        position = names.index(name)
        return templates.TemplateResponse(
            request,
            "report.html",
            {
                "name": name,
                "document": document,
                "views": views,
                "reviewer": reviewer,
                "segments": _highlight(text, views),
                "flag_words": words,
                "no_index": None if index else NO_INDEX_NOTICE.format(file=name + INDEX_SUFFIX),
                "next_report": names[position + 1] if position + 1 < len(names) else None,
                "ungrounded": [
                    v
                    for v in views
                    if v.status == "flagged" and not v.evidence and v.value is not None
                ],
            },
        )

    @app.post("/r/{name:path}/decide", response_class=HTMLResponse)
    def decide(
        request: Request,
        name: str,
        field: Annotated[str, Form()],
        action: Annotated[Action, Form()],
        value: Annotated[str | None, Form()] = None,
        reason: Annotated[str | None, Form()] = None,
        start: Annotated[str | None, Form()] = None,
        end: Annotated[str | None, Form()] = None,
    ) -> HTMLResponse:
        same_origin(request)
        review.decide(name, field, action, value, reason, _int(start), _int(end))
        document, _, index = review.load(name)
        view = next(v for v in review.views(document, index) if v.path == field.split("[")[0])
        return templates.TemplateResponse(
            request, "field.html", {"name": name, "v": view, "flag_words": words}
        )

    return app
