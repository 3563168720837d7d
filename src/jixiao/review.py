"""Review: an output folder -> a local web page to clear flagged fields.

In: `OUT_DIR` with `<name>.json` + `<name>.normalized.txt` per report, a reviewer name.
Out: a FastAPI app (served on 127.0.0.1 by `jixiao review`): a queue of reports ordered
by risk, one screen per report with the source text and its evidence highlighted, the
fields (flagged first) with their flags in words and the candidate figures the number
index found, and POST actions (accept / edit / not in report) stored as decisions.

Safety: Jinja2 escapes all report text; report names are looked up in the set of
reports found under OUT_DIR, never joined into paths; only the packaged static folder is
served; state-changing requests are POSTs whose Origin (or Referer) must be this server.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from jixiao.catalog import Catalog, load_catalog
from jixiao.core import BlockKind, NormalizedText
from jixiao.decisions import Action, Decision, DecisionStore
from jixiao.export import apply_decisions, list_reports, typed
from jixiao.numbers import IndexedNumber, index_numbers
from jixiao.output import flatten_report, load_report
from jixiao.rules import RuleContext, entries_for, run_rules
from jixiao.segment import build_sections, segment

GROUP_ORDER = ["basics", "funds", "score", "projects", "indicators", "narrative", "filing"]
STATUS_ORDER = {"flagged": 0, "reviewed": 1, "ok": 2, "missing": 3}
OTHER_CANDIDATES = 6
FLAG_WORDS = {
    "not_in_source": "这个值在报告中找不到 (not in the report)",
    "weak_label": "报告里有这个数，但不在该字段的标签下 (printed under another label)",
    "proposed_by_rules": "由规则从报告中提出 (proposed by the rules)",
    "model_rule_disagree": "模型与规则不一致 (model and rules disagree)",
    "conflict": "报告中同一字段出现不同的值 (the report states different values)",
    "inferred": "推断得出，报告未直接写明 (inferred)",
    "chunk_failed": "该片段的模型调用失败 (an LLM call failed)",
}


@dataclass
class Segment:
    text: str
    fields: list[str] = field(default_factory=list)
    flagged: bool = False


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


def _candidate(entry: IndexedNumber, fits: bool) -> dict[str, Any]:
    value = entry.wanyuan if entry.kind == "money" else entry.value
    label = " × ".join(x for x in (entry.label or entry.row_label, entry.column_label) if x)
    return {
        "value": format(value, "f") if isinstance(value, Decimal) else value,
        "text": entry.text,
        "label": label or "（无标签）",
        "start": entry.start,
        "end": entry.end,
        "fits": fits,
    }


class ReviewApp:
    def __init__(self, out_dir: Path, reviewer: str) -> None:
        self.out_dir = out_dir.resolve()
        self.reviewer = reviewer
        self.catalog: Catalog = load_catalog()
        self.store = DecisionStore(self.out_dir)

    def reports(self) -> dict[str, Path]:
        return list_reports(self.out_dir)

    def load(self, name: str) -> tuple[dict[str, Any], str]:
        path = self.reports().get(name)
        if path is None:  # only names found under OUT_DIR; nothing is joined into a path
            raise HTTPException(status_code=404, detail="no such report")
        text = path.with_name(path.name[: -len(".json")] + ".normalized.txt")
        return load_report(path), text.read_text(encoding="utf-8")

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

    def views(self, document: dict[str, Any], text: str) -> list[FieldView]:
        decisions = self.store.latest(document["source"]["sha256"])
        current = flatten_report(apply_decisions(document, decisions, self.catalog)["report"])
        messages: dict[str, list[str]] = {}
        for flag in document["flags"]:
            messages.setdefault(flag["field"].split("[")[0], []).append(flag["message"])
        context = self._rule_context(text, ocr=bool(document["source"].get("ocr")))
        views = []
        for path, value in current.items():
            original = flatten_report(document["report"])[path]
            spec = next((s for s in self.catalog.fields if s.path == path), None)
            group = (
                spec.group if spec else next(s.group for s in self.catalog.lists if s.path == path)
            )
            candidates = []
            if spec is not None and spec.numeric and original["status"] == "flagged":
                fitting = entries_for(spec, context)
                others = (
                    [e for e in context.index if e.kind == fitting[0].kind and e not in fitting][
                        :OTHER_CANDIDATES
                    ]
                    if fitting
                    else []
                )
                candidates = [_candidate(e, True) for e in fitting]
                candidates += [_candidate(e, False) for e in others]
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

    def _rule_context(self, text: str, ocr: bool = False) -> RuleContext:
        normalized = NormalizedText(text=text)
        blocks = segment(normalized)
        tables = [b for b in blocks if b.kind is BlockKind.TABLE]
        context = RuleContext(
            text=text,
            index=index_numbers(text, tables),
            blocks=blocks,
            sections=build_sections(text, blocks),
            ocr=ocr,
        )
        run_rules(self.catalog, context)  # sets the fiscal year the table labels need
        return context

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
        document, text = self.load(name)
        known = {v.path for v in self.views(document, text)}
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
    web = resources.files("jixiao") / "web"
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
        document, text = review.load(name)
        views = review.views(document, text)
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
                "flag_words": FLAG_WORDS,
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
        document, text = review.load(name)
        view = next(v for v in review.views(document, text) if v.path == field.split("[")[0])
        return templates.TemplateResponse(
            request, "field.html", {"name": name, "v": view, "flag_words": FLAG_WORDS}
        )

    return app
