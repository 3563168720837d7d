"""Review app: an output folder -> a local web page to clear every field of every report.

In: `OUT_DIR` with `<name>.json` + `<name>.normalized.txt` (+ `<name>.index.jsonl`) per
report, a reviewer name and a time zone for the times shown (Asia/Shanghai by default).
Out: a FastAPI app (served on 127.0.0.1 by `jixiao review`):
- `/` the queue: unit, year and kind per report, risk (errors, flagged and missing
  fields), progress and done state; filters (flag kind, state, unit, year), search and
  sort as query parameters; an overall counter; an export button.
- `/r/<name>` one report: the source text with evidence highlighted beside every field
  (flagged first, then missing, then the rest), each with its flags as Chinese sentences,
  the candidate figures the number index found at extraction (read from
  `<name>.index.jsonl`; nothing is segmented, indexed or ruled here), its decision
  history; for a scanned input the page images kept at extraction beside the text, the
  selected field's evidence outlined on them (`jixiao.pages`); and controls: accept /
  edit / not in report / undo for scalar fields, an editable table for list fields
  (accept, edit, delete, add rows; accept the whole list).
  Selecting text in the report sets the selected field's value and evidence.
- `/r/<name>/page-N.jpg` page N of a scanned report (only files kept for that report's
  input under `OUT_DIR/.pages/`, reached through no link).
- POSTs: `/r/<name>/decide`, `/r/<name>/row`, `/r/<name>/undo`, `/r/<name>/state`,
  `/export`, stored as decisions in `jixiao-review.sqlite`.

Every word on the page is Chinese, from `display` (field catalog + flag catalog). Safety:
Jinja2 escapes all report text; report names are looked up in the set of reports found
under OUT_DIR, never joined into paths; only the packaged static folder is served;
state-changing requests are POSTs whose Origin (or Referer) must be this server.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import FastAPI, Form, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from jixiao.catalog import Catalog, FieldKind, load_catalog
from jixiao.core import LIST_ITEM_TYPES
from jixiao.errors import ReviewError
from jixiao.figures import parse_figure, parse_money, parse_percent
from jixiao.output import (
    INDEX_SUFFIX,
    IndexEntry,
    SavedIndex,
    flatten_report,
    load_index,
    load_report,
)
from jixiao.pages import Mark, SavedPages, load_pages, marks
from jixiao.review import display
from jixiao.review.apply import (
    ROW_KEY,
    ROW_PATH,
    apply_decisions,
    list_reports,
    open_fields,
    typed,
    typed_row,
)
from jixiao.review.decisions import (
    DEFAULT_TIMEZONE,
    Action,
    Decision,
    DecisionStore,
    ReportState,
)
from jixiao.review.guard import RequestGuard

logger = logging.getLogger(__name__)

GROUP_ORDER = ["basics", "funds", "score", "projects", "indicators", "narrative", "filing"]
STATUS_ORDER = {"flagged": 0, "missing": 1, "reviewed": 2, "ok": 3}
CANDIDATE_KEYS = "1234567890"
OTHER_CANDIDATES = 6
RISK_ERROR, RISK_FLAGGED, RISK_MISSING = 5, 1, 1
NO_INDEX_NOTICE = (
    "这份输出没有保存数字索引（{file}），是旧版 jixiao 生成的，所以不显示候选数；"
    "重新运行 jixiao extract 即可看到候选数。"
)


@dataclass
class Segment:
    text: str
    fields: list[str] = field(default_factory=list)
    flagged: bool = False


@dataclass
class RowView:
    """One row of a list field as shown: its decision path, cells and state."""

    path: str
    label: str
    cells: dict[str, str]
    reasons: list[str]
    flagged: bool
    decided: str | None  # the Chinese action word of its decision, if any
    added: bool


@dataclass
class HistoryLine:
    time: str
    reviewer: str
    action: str
    target: str
    value: str
    reason: str | None


@dataclass
class FieldView:
    path: str
    zh: str
    group: str
    value: Any
    shown: str
    status: str
    status_zh: str
    reasons: list[str]
    evidence: list[dict[str, Any]]
    decision: Decision | None
    candidates: list[dict[str, Any]]
    history: list[HistoryLine] = field(default_factory=list)
    is_list: bool = False
    unit: str = ""
    columns: list[tuple[str, str]] = field(default_factory=list)
    rows: list[RowView] = field(default_factory=list)
    can_undo: bool = False
    error: bool = False


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
                fields=list(dict.fromkeys(p for p, _ in covering)),
                flagged=any(f for _, f in covering),
            )
        )
    return pieces


def _candidate(entry: IndexEntry, fits: bool, unit: str) -> dict[str, Any]:
    label = " × ".join(x for x in (entry.label or entry.row_label, entry.column_label) if x)
    return {
        "value": entry.value,
        "shown": f"{entry.value}{' ' if unit == '万元' else ''}{unit}",
        "text": entry.text,
        "label": label or "（无标签）",
        "start": entry.start,
        "end": entry.end,
        "fits": fits,
    }


def _candidates(index: SavedIndex, fitting: list[int], unit: str) -> list[dict[str, Any]]:
    """The figures that fit a field, then a few others of the same kind, in text order;
    at most ten (keys 1–9 and 0)."""
    if not fitting:
        return []
    kind, taken = index.entries[fitting[0]].kind, set(fitting)
    others = [n for n, e in enumerate(index.entries) if e.kind == kind and n not in taken]
    chosen = [_candidate(index.entries[n], True, unit) for n in fitting] + [
        _candidate(index.entries[n], False, unit) for n in others[:OTHER_CANDIDATES]
    ]
    chosen = [c for c in chosen if c["value"] is not None][: len(CANDIDATE_KEYS)]
    for key, candidate in zip(CANDIDATE_KEYS, chosen, strict=False):
        candidate["key"] = key
    return chosen


def _base(path: str) -> str:
    return path.split("[")[0]


class ReviewApp:
    """The page's state: the output folder, the reviewer, the decisions store."""

    def __init__(self, out_dir: Path, reviewer: str, timezone: str = DEFAULT_TIMEZONE) -> None:
        self.out_dir = out_dir.resolve()
        self.reviewer = reviewer
        self.timezone = timezone
        self.catalog: Catalog = load_catalog()
        self.store = DecisionStore(self.out_dir)

    def reports(self) -> dict[str, Path]:
        return list_reports(self.out_dir)

    def load(self, name: str) -> tuple[dict[str, Any], str, SavedIndex | None]:
        """The report, its normalized text and its saved number index (None if older)."""
        path = self.reports().get(name)
        if path is None:  # only names found under OUT_DIR; nothing is joined into a path
            raise HTTPException(status_code=404, detail="没有这份报告")
        stem = path.name[: -len(".json")]
        text = path.with_name(stem + ".normalized.txt").read_text(encoding="utf-8")
        return load_report(path), text, load_index(path.with_name(stem + INDEX_SUFFIX))

    def pages(self, name: str, document: dict[str, Any]) -> SavedPages | None:
        """The scanned pages kept beside a report's outputs (None: a text input, an
        output from before pages were kept, or pages of another input)."""
        if name not in self.reports():
            return None
        return load_pages(self.out_dir, name, document["source"]["sha256"])

    def page_image(self, name: str, number: int) -> Path:
        """The image file of page `number` of a report (404 unless it is a plain file
        kept for this report's input, reached through no link)."""
        document, _, _ = self.load(name)
        saved = self.pages(name, document)
        image = saved.image(number) if saved else None
        if image is None:
            raise HTTPException(status_code=404, detail="没有这一页")
        return image

    # --- the queue ------------------------------------------------------------------

    def summary(self, name: str, document: dict[str, Any]) -> dict[str, Any]:
        """One queue row: who, when, what kind, how risky, how far."""
        sha = document["source"]["sha256"]
        decisions = self.store.latest(sha)
        reviewed = apply_decisions(document, decisions, self.catalog)
        original = flatten_report(document["report"])
        current = flatten_report(reviewed["report"])
        flagged = [p for p, f in original.items() if f["status"] == "flagged"]
        missing = [p for p, f in original.items() if f["status"] == "missing"]
        still_open = open_fields(reviewed)
        errors = sum(1 for f in document["flags"] if f["severity"] == "error")
        state = self.store.states().get(sha)
        if state is not None and state.state is ReportState.DONE:
            progress_state = "done"
        else:
            progress_state = "open" if decisions else "new"
        return {
            "name": name,
            "source": Path(document["source"]["path"]).name,
            "unit": current["unit_name"]["value"] or "（未填单位名称）",
            "year": current["fiscal_year"]["value"],
            "kind": display.show_value("report_kind", current["report_kind"]["value"]),
            "errors": errors,
            "warnings": len(document["flags"]) - errors,
            "flagged": len(flagged),
            "missing": len(missing),
            "cleared": len(flagged) - len(still_open),
            "open": len(still_open),
            "risk": RISK_ERROR * errors + RISK_FLAGGED * len(flagged) + RISK_MISSING * len(missing),
            "codes": sorted({f["code"] for f in document["flags"]}),
            "state": progress_state,
            "state_zh": display.STATE_WORDS[progress_state],
            "done_by": state.reviewer if state and state.state is ReportState.DONE else None,
        }

    def queue(self) -> list[dict[str, Any]]:
        """Every report's queue row, riskiest first."""
        rows = [self.summary(name, load_report(path)) for name, path in self.reports().items()]
        return sorted(rows, key=lambda r: (r["state"] == "done", -r["risk"], r["name"]))

    # --- one report -----------------------------------------------------------------

    def views(self, document: dict[str, Any], index: SavedIndex | None) -> list[FieldView]:
        """Every field of the report as shown: flagged first, then missing, then the rest."""
        sha = document["source"]["sha256"]
        history = self.store.history(sha)
        decisions = self.store.latest(sha)
        current = flatten_report(apply_decisions(document, decisions, self.catalog)["report"])
        original = flatten_report(document["report"])
        reasons: dict[str, list[str]] = {}
        row_reasons: dict[str, list[str]] = {}
        errors: set[str] = set()
        for flag in document["flags"]:
            target = reasons if "[" not in flag["field"] else row_reasons
            target.setdefault(flag["field"], []).append(display.flag_reason(flag))
            if flag["severity"] == "error":
                errors.add(_base(flag["field"]))
        views = []
        for path, value in current.items():
            spec = next((s for s in self.catalog.fields if s.path == path), None)
            list_spec = next((s for s in self.catalog.lists if s.path == path), None)
            group = spec.group if spec else (list_spec.group if list_spec else "narrative")
            is_list = path in LIST_ITEM_TYPES
            unit = display.UNIT_OF_KIND.get(spec.kind, "") if spec else ""
            candidates: list[dict[str, Any]] = []
            if index and spec is not None and spec.numeric:
                candidates = _candidates(index, index.fits.get(path, []), unit)
            mine = [d for d in history if _base(d.field) == path]
            view = FieldView(
                path=path,
                zh=display.field_name(path),
                group=group,
                value=value["value"],
                shown=display.show_value(path, value["value"], self.catalog),
                status=value["status"],
                status_zh=display.STATUS_WORDS.get(value["status"], "未知"),
                reasons=reasons.get(path, []),
                evidence=value["evidence"],
                decision=decisions.get(path),
                candidates=candidates,
                history=[self._history_line(d) for d in reversed(mine)],
                is_list=is_list,
                unit=unit,
                can_undo=any(_base(p) == path for p in decisions),
                error=path in errors,
            )
            if is_list:
                item_type = LIST_ITEM_TYPES[path]
                view.columns = item_type.headers()
                view.rows = self._rows(path, value["value"] or [], row_reasons, decisions)
                view.evidence = [e for item in value["value"] or [] for e in item["evidence"]]
                if original[path]["status"] == "flagged" and value["status"] == "flagged":
                    view.reasons = view.reasons or ["列表中有待审的行"]
            views.append(view)
        return sorted(
            views,
            key=lambda v: (
                STATUS_ORDER.get(v.status, 9),
                not v.error,
                GROUP_ORDER.index(v.group) if v.group in GROUP_ORDER else 99,
            ),
        )

    def _rows(
        self,
        path: str,
        items: list[dict[str, Any]],
        row_reasons: dict[str, list[str]],
        decisions: dict[str, Decision],
    ) -> list[RowView]:
        rows = []
        for item in items:
            row_path = item.get(ROW_KEY, "")
            decision = decisions.get(row_path)
            rows.append(
                RowView(
                    path=row_path,
                    label=display.field_name(row_path),
                    cells={k: display.show_cell(k, item.get(k)) for k, _ in self._columns(path)},
                    reasons=row_reasons.get(row_path, []) if "+" not in row_path else [],
                    flagged=bool(item.get("flags")) or row_path in row_reasons,
                    decided=display.ACTION_WORDS[decision.action.value] if decision else None,
                    added="+" in row_path,
                )
            )
        return rows

    @staticmethod
    def _columns(path: str) -> list[tuple[str, str]]:
        return LIST_ITEM_TYPES[path].headers()

    def _history_line(self, decision: Decision) -> HistoryLine:
        value = decision.new_value
        if isinstance(value, dict):
            shown = "，".join(
                f"{display.field_name(k)} {display.show_cell(k, v)}"
                for k, v in value.items()
                if v not in (None, "")
            )
        elif isinstance(value, list):
            shown = f"{len(value)} 行"
        else:
            shown = display.show_value(_base(decision.field), value, self.catalog)
        return HistoryLine(
            time=display.when(decision.time, self.timezone),
            reviewer=decision.reviewer,
            action=display.ACTION_WORDS.get(decision.action.value, "未知"),
            target=display.field_name(decision.field),
            value=shown,
            reason=decision.reason,
        )

    # --- decisions ------------------------------------------------------------------

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
        """A decision on a scalar field or a whole list. An edit to the value the field
        already has is recorded as an accept (with the span picked as its evidence)."""
        document, text, _ = self.load(name)
        fields = flatten_report(document["report"])
        if path not in fields:
            raise HTTPException(status_code=400, detail="没有这个字段")
        if action not in (Action.ACCEPT, Action.EDIT, Action.NOT_IN_REPORT):
            raise HTTPException(status_code=400, detail="不支持的操作")
        decisions = self.store.latest(document["source"]["sha256"])
        current = flatten_report(apply_decisions(document, decisions, self.catalog)["report"])
        now_value = current[path]["value"]
        evidence = None
        if start is not None and end is not None and 0 <= start < end <= len(text):
            evidence = [{"start": start, "end": end, "quote": text[start:end]}]
        new_value: Any = None
        if action is Action.ACCEPT and now_value is None and path not in LIST_ITEM_TYPES:
            action = Action.NOT_IN_REPORT  # accepting an empty field: the report lacks it
        if action is Action.ACCEPT:
            new_value = now_value
        elif action is Action.EDIT:
            if path in LIST_ITEM_TYPES:
                raise HTTPException(status_code=400, detail="列表请逐行修改")
            new_value = self._parse(path, value)
            if new_value == now_value and now_value is not None:
                action = Action.ACCEPT
                evidence = evidence or None
        return self.store.add(
            Decision(
                report=name,
                report_sha256=document["source"]["sha256"],
                field=path,
                old_value=fields[path]["value"],
                new_value=new_value,
                action=action,
                reason=(reason or "").strip() or None,
                reviewer=self.reviewer,
                evidence=evidence,
            )
        )

    def decide_row(
        self,
        name: str,
        path: str,
        action: Action,
        cells: dict[str, str],
        reason: str | None,
        start: int | None,
        end: int | None,
    ) -> Decision:
        """A decision on one row: accept, edit (its cells), delete (not in report), or a
        new row (`path` the list itself, action add)."""
        document, text, _ = self.load(name)
        sha = document["source"]["sha256"]
        fields = flatten_report(document["report"])
        if path in LIST_ITEM_TYPES and action is Action.ADD:
            taken = [
                int(m["index"])
                for d in self.store.history(sha)
                if (m := ROW_PATH.match(d.field)) and m["list"] == path and m["added"]
            ]
            path = f"{path}[+{max(taken, default=0) + 1}]"
        row = ROW_PATH.match(path)
        if row is None or row["list"] not in LIST_ITEM_TYPES or row["key"]:
            raise HTTPException(status_code=400, detail="没有这一行")
        items = fields[row["list"]]["value"] or []
        if not row["added"] and int(row["index"]) >= len(items):
            raise HTTPException(status_code=400, detail="没有这一行")
        old = None if row["added"] else items[int(row["index"])]
        old_values = (
            {k: old.get(k) for k in LIST_ITEM_TYPES[row["list"]].columns()} if old else None
        )
        new_value: Any = old_values
        if action in (Action.EDIT, Action.ADD):
            try:
                new_value = typed_row(row["list"], cells)
            except (InvalidOperation, ValueError) as exc:
                raise HTTPException(status_code=400, detail="金额、分值须是数字") from exc
            key = LIST_ITEM_TYPES[row["list"]].KEY
            if not new_value.get(key):
                raise HTTPException(status_code=400, detail=f"请填写{display.field_name(key)}")
            if old_values is not None and new_value == old_values:
                action = Action.ACCEPT
        elif action is Action.NOT_IN_REPORT:
            new_value = None
        elif action is not Action.ACCEPT:
            raise HTTPException(status_code=400, detail="不支持的操作")
        evidence = None
        if start is not None and end is not None and 0 <= start < end <= len(text):
            evidence = [{"start": start, "end": end, "quote": text[start:end]}]
        return self.store.add(
            Decision(
                report=name,
                report_sha256=sha,
                field=path,
                old_value=old_values,
                new_value=new_value,
                action=action,
                reason=(reason or "").strip() or None,
                reviewer=self.reviewer,
                evidence=evidence,
            )
        )

    def undo(self, name: str, path: str) -> Decision:
        """Withdraw the latest decision in force on a field or any row of a list."""
        document, _, _ = self.load(name)
        sha = document["source"]["sha256"]
        history = self.store.history(sha)
        in_force = self.store.latest(sha)
        mine = [d for d in history if d.field in in_force and in_force[d.field].id == d.id]
        mine = [d for d in mine if _base(d.field) == path]
        if not mine:
            raise HTTPException(status_code=400, detail="没有可撤销的决定")
        last = max(mine, key=lambda d: d.id or 0)
        undone = self.store.undo(name, sha, last.field, self.reviewer)
        assert undone is not None
        return undone

    def set_state(self, name: str, state: ReportState) -> None:
        """Mark a report done (refused while flagged fields are open) or open again."""
        document, _, _ = self.load(name)
        sha = document["source"]["sha256"]
        if state is ReportState.DONE:
            reviewed = apply_decisions(document, self.store.latest(sha), self.catalog)
            still_open = open_fields(reviewed)
            if still_open:
                raise HTTPException(
                    status_code=400,
                    detail="还有待审字段：" + "、".join(display.field_name(p) for p in still_open),
                )
        self.store.set_state(name, sha, state, self.reviewer)

    def _parse(self, path: str, value: str | None) -> Any:
        """A typed or selected value -> the field's type (money in 万元: 元 converted)."""
        text = (value or "").strip()
        if not text:
            raise HTTPException(status_code=400, detail="请填写值")
        spec = self.catalog.field(path)
        choices = display.CHOICE_WORDS.get(path, {})
        for code, words in choices.items():
            if text in (code, words):
                return code
        if spec.kind is FieldKind.ENUM and spec.choices:
            raise HTTPException(
                status_code=400, detail="请填写：" + "、".join(choices.values() or spec.choices)
            )
        if not spec.numeric:
            return text
        number: Decimal | None
        if spec.kind is FieldKind.MONEY:
            number = parse_money(text)
        elif spec.kind is FieldKind.PERCENT:
            number = parse_percent(text)
        else:
            figure = parse_figure(text)
            number = figure.value if figure else None
        if number is None:
            raise HTTPException(status_code=400, detail=f"不是数字：{text}")
        try:
            return typed(self.catalog, path, number)
        except (InvalidOperation, ValueError) as exc:
            raise HTTPException(status_code=400, detail=f"不是数字：{text}") from exc


def _page_marks(saved: SavedPages, views: list[FieldView]) -> list[Mark]:
    """The boxes on the scanned pages that show the evidence of each field."""
    return marks(saved, [(e["start"], e["end"], v.path) for v in views for e in v.evidence])


def _int(text: str | None) -> int | None:
    return int(text) if text and text.strip().isdigit() else None


def _filtered(rows: list[dict[str, Any]], query: dict[str, str]) -> list[dict[str, Any]]:
    """Queue rows kept by the filters and ordered by the sort of the query string."""
    flag, state, unit, year, q = (query.get(k, "") for k in ("flag", "state", "unit", "year", "q"))
    kept = [
        r
        for r in rows
        if (not flag or flag in r["codes"])
        and (not state or r["state"] == state)
        and (not unit or r["unit"] == unit)
        and (not year or str(r["year"]) == year)
        and (not q or q in r["unit"] or q in r["name"] or q in r["source"])
    ]
    sort = query.get("sort", "risk")
    keys = {
        "risk": lambda r: (r["state"] == "done", -r["risk"], r["name"]),
        "unit": lambda r: (r["unit"], r["name"]),
        "year": lambda r: (str(r["year"] or ""), r["name"]),
        "open": lambda r: (-r["open"], r["name"]),
    }
    return sorted(kept, key=keys.get(sort, keys["risk"]))


def create_app(
    out_dir: Path,
    reviewer: str,
    timezone: str = DEFAULT_TIMEZONE,
    allowed_hosts: Iterable[str] = (),
) -> FastAPI:
    """The review app for `out_dir`, deciding as `reviewer`, showing times in `timezone`.

    It answers only requests naming this machine (loopback names) or one of
    `allowed_hosts`, and takes state-changing requests only from its own pages (see
    `guard.RequestGuard`)."""
    review = ReviewApp(out_dir, reviewer, timezone)
    app = FastAPI(title="jixiao 审核", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(RequestGuard, allowed_hosts=tuple(allowed_hosts))
    web = resources.files("jixiao.review") / "web"
    templates = Jinja2Templates(directory=str(web / "templates"))  # autoescapes .html
    app.mount("/static", StaticFiles(directory=str(web / "static")), name="static")

    @app.get("/r/{name:path}/page-{number:int}.jpg")
    def page_image(name: str, number: int) -> FileResponse:
        return FileResponse(review.page_image(name, number), media_type="image/jpeg")

    def same_origin(request: Request) -> None:
        origin = request.headers.get("origin") or request.headers.get("referer")
        if not origin or urlsplit(origin).netloc != request.headers.get("host"):
            raise HTTPException(status_code=403, detail="拒绝跨站请求")

    def card(request: Request, name: str, path: str) -> HTMLResponse:
        document, _, index = review.load(name)
        view = next(v for v in review.views(document, index) if v.path == path)
        return templates.TemplateResponse(request, "field.html", {"name": name, "v": view})

    @app.get("/", response_class=HTMLResponse)
    def queue(request: Request) -> HTMLResponse:
        rows = review.queue()
        query = dict(request.query_params)
        codes = sorted({c for r in rows for c in r["codes"]})
        return templates.TemplateResponse(
            request,
            "queue.html",
            {
                "reports": _filtered(rows, query),
                "total": len(rows),
                "done": sum(1 for r in rows if r["state"] == "done"),
                "open_fields": sum(r["open"] for r in rows),
                "query": query,
                "flag_kinds": [(c, display.flag_title(c)) for c in codes],
                "units": sorted({r["unit"] for r in rows}),
                "years": sorted({str(r["year"]) for r in rows if r["year"]}),
                "states": display.STATE_WORDS,
                "reviewer": reviewer,
                "out_dir": str(review.out_dir),
            },
        )

    @app.get("/r/{name:path}", response_class=HTMLResponse)
    def report(request: Request, name: str) -> HTMLResponse:
        document, text, index = review.load(name)
        views = review.views(document, index)
        names = [r["name"] for r in review.queue()]
        position = names.index(name)
        summary = review.summary(name, document)
        saved = review.pages(name, document)
        return templates.TemplateResponse(
            request,
            "report.html",
            {
                "pages": saved.pages if saved else [],
                "marks": _page_marks(saved, views) if saved else [],
                "name": name,
                "document": document,
                "summary": summary,
                "views": views,
                "reviewer": reviewer,
                "segments": _highlight(text, views),
                "no_index": None if index else NO_INDEX_NOTICE.format(file=name + INDEX_SUFFIX),
                "next_report": names[position + 1] if position + 1 < len(names) else None,
                "ungrounded": [
                    v
                    for v in views
                    if v.status == "flagged"
                    and not v.evidence
                    and v.value is not None
                    and not v.is_list
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
        return card(request, name, field)

    @app.post("/r/{name:path}/row", response_class=HTMLResponse)
    async def row(request: Request, name: str) -> HTMLResponse:
        same_origin(request)
        form = await request.form()
        path = str(form.get("field") or "")
        try:
            action = Action(str(form.get("action") or ""))
        except ValueError as exc:
            raise HTTPException(status_code=400, detail="不支持的操作") from exc
        cells = {
            str(k)[len("cell.") :]: str(v) for k, v in form.items() if str(k).startswith("cell.")
        }
        reason = form.get("reason")
        review.decide_row(
            name,
            path,
            action,
            cells,
            str(reason) if reason else None,
            _int(str(form.get("start") or "")),
            _int(str(form.get("end") or "")),
        )
        return card(request, name, _base(path))

    @app.post("/r/{name:path}/undo", response_class=HTMLResponse)
    def undo(request: Request, name: str, field: Annotated[str, Form()]) -> HTMLResponse:
        same_origin(request)
        review.undo(name, _base(field))
        return card(request, name, _base(field))

    @app.post("/r/{name:path}/state", response_class=HTMLResponse)
    def state(request: Request, name: str, state: Annotated[ReportState, Form()]) -> HTMLResponse:
        same_origin(request)
        review.set_state(name, state)
        document, _, _ = review.load(name)
        summary = review.summary(name, document)
        return templates.TemplateResponse(request, "state.html", {"name": name, "summary": summary})

    @app.post("/export", response_class=HTMLResponse)
    def export_all(request: Request) -> HTMLResponse:
        same_origin(request)
        from jixiao.review.export import export

        try:
            result = export(review.out_dir)
        except ReviewError as exc:
            raise HTTPException(status_code=400, detail=str(exc)) from exc
        return HTMLResponse(
            templates.get_template("exported.html").render(result=result),
        )

    return app
