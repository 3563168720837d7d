"""Export: extracted reports + review decisions -> corrected data an analyst can use.

In: an output folder of `<name>.json` reports and its review decisions (SQLite).
Out, in the export folder (`ExportResult` says how many reports and how many flagged
fields nobody decided):
- per report `<name>.json` with the decisions applied (`status: reviewed`, the decision
  beside the field in `review`), each flag with its Chinese `reason`;
- tables, every one keyed by unit name, year and report kind (单位整体/项目), with the
  source file as a column: `reports` (one row per report, every scalar field and its
  status), `projects`, `indicators` (target and actual split into comparator, number and
  unit), `flags` (every flag with its Chinese reason and whether and how it was resolved,
  so a check that fails stays visible after review) and `audit` (every decision);
- as CSV (UTF-8 with BOM, Chinese headers), one XLSX workbook (frozen header, filter,
  column widths, money as numbers in 万元 with two decimals, rates as percent, text kept
  as text so a phone number keeps its leading zero) and one SQLite database written with
  sqlite-utils (typed columns: money as an exact `<col>_text` and a numeric `<col>`,
  counts and scores numeric), ready for Datasette.
Raises `ReviewError` for a folder with no reports.
"""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from jixiao.catalog import Catalog, FieldKind, load_catalog
from jixiao.core import Indicator, Project
from jixiao.errors import ReviewError
from jixiao.figures import parse_figure
from jixiao.files import write_bytes_atomic, write_text_atomic
from jixiao.output import dumps, flatten_report, load_report, plain_json
from jixiao.review import display
from jixiao.review.apply import ROW_PATH, apply_decisions, list_reports, open_fields, strip_rows
from jixiao.review.decisions import DEFAULT_TIMEZONE, Decision, DecisionStore

logger = logging.getLogger(__name__)

XLSX_NAME = "jixiao-export.xlsx"
SQLITE_NAME = "jixiao-export.sqlite"
MONEY_FORMAT = "#,##0.00"
PERCENT_FORMAT = "0.00%"
TEXT_FORMAT = "@"

# Column kinds: how a value is typed in SQLite and formatted in Excel.
TEXT, MONEY, PERCENT, COUNT, NUMBER = "text", "money", "percent", "count", "number"
KIND_OF_FIELD = {
    FieldKind.MONEY: MONEY,
    FieldKind.PERCENT: PERCENT,
    FieldKind.COUNT: COUNT,
    FieldKind.YEAR: COUNT,
    FieldKind.SCORE: NUMBER,
}


@dataclass
class Column:
    key: str  # the SQLite column name
    zh: str  # the header in CSV and XLSX
    kind: str = TEXT


@dataclass
class Table:
    columns: list[Column]
    rows: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ExportResult:
    folder: Path
    reports: int
    open_fields: int


KEY_COLUMNS = [
    Column("unit_name", "单位名称"),
    Column("fiscal_year", "年度", COUNT),
    Column("report_kind", "报告类型"),
    Column("source_file", "来源文件"),
]


def _keys(name: str, document: dict[str, Any]) -> dict[str, Any]:
    fields = flatten_report(document["report"])
    return {
        "unit_name": fields["unit_name"]["value"],
        "fiscal_year": fields["fiscal_year"]["value"],
        "report_kind": display.show_value("report_kind", fields["report_kind"]["value"]),
        "source_file": Path(document["source"]["path"]).name,
        "report": name,
    }


def _split(text: Any) -> dict[str, Any]:
    """An indicator value ("≥100场", "95%") -> comparator, number and unit."""
    figure = parse_figure(str(text)) if text not in (None, "") else None
    if figure is None:
        return {"comparator": None, "number": None, "unit": None}
    return {"comparator": figure.comparator, "number": figure.value, "unit": figure.unit}


def build_tables(
    reports: dict[str, dict[str, Any]],
    originals: dict[str, dict[str, Any]],
    history: list[Decision],
    catalog: Catalog,
    timezone: str = DEFAULT_TIMEZONE,
) -> dict[str, Table]:
    """Table name -> its columns and rows, from the reviewed reports (and the extracted
    ones, for the flags they carried) and the decision history."""
    scalar = [spec for spec in catalog.fields if spec.path not in ("unit_name", "report_kind")]
    scalar = [spec for spec in scalar if spec.path != "fiscal_year"]
    report_columns = [*KEY_COLUMNS]
    for spec in scalar:
        unit = "（万元）" if spec.kind is FieldKind.MONEY else ""
        key = spec.path.replace(".", "_")
        report_columns += [
            Column(key, f"{spec.zh}{unit}", KIND_OF_FIELD.get(spec.kind, TEXT)),
            Column(f"{key}_status", f"{spec.zh}·状态"),
        ]
    report_columns += [Column("report", "报告名"), Column("sha256", "哈希")]
    project_columns = [
        *KEY_COLUMNS,
        *[
            Column(key, header, MONEY if key in Project.FIGURES else TEXT)
            for key, header in Project.headers()
        ],
    ]
    indicator_columns = [*KEY_COLUMNS]
    for key, header in Indicator.headers():
        indicator_columns.append(Column(key, header, NUMBER if key in Indicator.FIGURES else TEXT))
        if key in ("target", "actual"):
            indicator_columns += [
                Column(f"{key}_comparator", f"{header}·比较"),
                Column(f"{key}_number", f"{header}·数值", NUMBER),
                Column(f"{key}_unit", f"{header}·单位"),
            ]
    for columns in (project_columns, indicator_columns):
        columns += [Column("status", "状态"), Column("review", "审核"), Column("report", "报告名")]
    flag_columns = [
        *KEY_COLUMNS,
        Column("field", "字段"),
        Column("field_path", "字段路径"),
        Column("severity", "严重程度"),
        Column("kind", "问题类型"),
        Column("reason", "说明"),
        Column("resolved", "已处理"),
        Column("resolution", "处理方式"),
        Column("reviewer", "审核人"),
        Column("time", "审核时间"),
        Column("code", "代码"),
        Column("report", "报告名"),
    ]
    audit_columns = [
        *KEY_COLUMNS,
        Column("field", "字段"),
        Column("field_path", "字段路径"),
        Column("action", "操作"),
        Column("old_value", "原值"),
        Column("new_value", "新值"),
        Column("reason", "理由"),
        Column("reviewer", "审核人"),
        Column("time", "时间"),
        Column("report", "报告名"),
    ]
    tables = {
        "reports": Table(report_columns),
        "projects": Table(project_columns),
        "indicators": Table(indicator_columns),
        "flags": Table(flag_columns),
        "audit": Table(audit_columns),
    }
    by_sha: dict[str, dict[str, Any]] = {}
    for name, document in reports.items():
        keys = _keys(name, document)
        by_sha[document["source"]["sha256"]] = keys
        fields = flatten_report(document["report"])
        row = {**keys, "sha256": document["source"]["sha256"]}
        for spec in scalar:
            key = spec.path.replace(".", "_")
            row[key] = fields[spec.path]["value"]
            row[f"{key}_status"] = display.STATUS_WORDS.get(fields[spec.path]["status"], "")
        tables["reports"].rows.append(row)
        for list_path, table in (("projects", "projects"), ("indicators", "indicators")):
            for item in fields[list_path]["value"] or []:
                cells = {
                    **keys,
                    **{
                        k: item.get(k)
                        for k, _ in (
                            Project.headers() if list_path == "projects" else Indicator.headers()
                        )
                    },
                }
                if list_path == "indicators":
                    for part in ("target", "actual"):
                        split = _split(item.get(part))
                        cells.update({f"{part}_{k}": v for k, v in split.items()})
                status = "reviewed" if "review" in item else fields[list_path]["status"]
                cells["status"] = display.STATUS_WORDS.get(status, "")
                review = item.get("review")
                cells["review"] = display.ACTION_WORDS.get(review["action"], "") if review else None
                tables[table].rows.append(cells)
        tables["flags"].rows += _flag_rows(keys, originals[name], document, timezone)
    for decision in history:
        owner = by_sha.get(decision.report_sha256)
        if owner is None:
            continue
        base = decision.field.split("[")[0]
        tables["audit"].rows.append(
            {
                **owner,
                "field": display.field_name(decision.field),
                "field_path": decision.field,
                "action": display.ACTION_WORDS.get(decision.action.value, ""),
                "old_value": _shown(base, decision.old_value, catalog),
                "new_value": _shown(base, decision.new_value, catalog),
                "reason": decision.reason,
                "reviewer": decision.reviewer,
                "time": display.when(decision.time, timezone),
            }
        )
    return tables


def _shown(path: str, value: Any, catalog: Catalog) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict):
        return "，".join(
            f"{display.field_name(k)} {display.show_cell(k, v)}" for k, v in value.items() if v
        )
    if isinstance(value, list):
        return f"{len(value)} 行"
    return display.show_value(path, value, catalog)


def _flag_rows(
    keys: dict[str, Any], original: dict[str, Any], reviewed: dict[str, Any], timezone: str
) -> list[dict[str, Any]]:
    """Every flag the extraction raised, with its reason and how review resolved it."""
    fields = flatten_report(reviewed["report"])
    notes: dict[str, dict[str, Any]] = {}
    for path, node in fields.items():
        if node.get("review"):
            notes[path] = node["review"]
        for item in node["value"] if isinstance(node["value"], list) else []:
            if isinstance(item, dict) and item.get("review") and item.get("row"):
                notes[item["row"]] = item["review"]
    rows = []
    for flag in original["flags"]:
        path = flag["field"]
        base = path.split("[")[0]
        note = notes.get(path) or notes.get(base)
        if note is None and ROW_PATH.match(path) and fields.get(base, {}).get("review"):
            note = fields[base]["review"]
        row_gone = (
            ROW_PATH.match(path) is not None
            and path not in {i.get("row") for i in fields.get(base, {}).get("value") or []}
            and note is None
        )
        rows.append(
            {
                **keys,
                "field": display.field_name(path) if path else "整份报告",
                "field_path": path,
                "severity": display.SEVERITY_WORDS.get(flag["severity"], ""),
                "kind": display.flag_title(flag["code"]),
                "reason": display.flag_reason(flag),
                "resolved": "是" if note or row_gone else "否",
                "resolution": display.ACTION_WORDS.get(note["action"], "")
                if note
                else ("已删除该行" if row_gone else None),
                "reviewer": note["reviewer"] if note else None,
                "time": display.when(note["time"], timezone) if note else None,
                "code": flag["code"],
            }
        )
    return rows


# --- writers -------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return display.plain_number(value)
    return str(value)


# A spreadsheet takes a cell starting with one of these for a formula (=HYPERLINK(...)).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _inert(value: Any, text: str) -> str:
    """Text a spreadsheet shows as written: a leading apostrophe keeps text that starts
    like a formula from running (a figure, e.g. -5, is a number, not text)."""
    if isinstance(value, str) and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def _csv_bytes(table: Table) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([c.zh for c in table.columns])
    writer.writerows(
        [
            [_inert(row.get(c.key), _text(row.get(c.key))) for c in table.columns]
            for row in table.rows
        ]
    )
    return buffer.getvalue().encode("utf-8-sig")  # the BOM lets Excel read the Chinese


def _width(text: str) -> float:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _xlsx_bytes(tables: dict[str, Table]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, table in tables.items():
        sheet = workbook.create_sheet(name)
        sheet.append([c.zh for c in table.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append([_excel_value(c, row.get(c.key)) for c in table.columns])
            for cell in sheet[sheet.max_row]:
                if cell.data_type == "f":  # text that starts with "=": a string, never run
                    cell.data_type = "s"
        for number, column in enumerate(table.columns, start=1):
            letter = get_column_letter(number)
            fmt = {MONEY: MONEY_FORMAT, PERCENT: PERCENT_FORMAT, COUNT: "0"}.get(
                column.kind, TEXT_FORMAT if column.kind == TEXT else "General"
            )
            longest = _width(column.zh)
            for (cell,) in sheet.iter_rows(min_row=2, min_col=number, max_col=number):
                cell.number_format = fmt
                shown = f"{cell.value:,.2f}" if isinstance(cell.value, float) else _text(cell.value)
                longest = max(longest, _width(shown))
            sheet.column_dimensions[letter].width = min(60, max(8, longest + 2))
        sheet.freeze_panes = "A2"
        last = get_column_letter(len(table.columns))
        sheet.auto_filter.ref = f"A1:{last}{max(1, len(table.rows) + 1)}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _excel_value(column: Column, value: Any) -> Any:
    """Numbers as numbers (figures have at most 15 significant digits, so a float holds
    them); rates as fractions shown as percent; text always as text."""
    if value is None:
        return None
    if column.kind == TEXT:
        return _text(value)
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return _text(value)
    if column.kind == PERCENT:
        number = number / 100
    if column.kind == COUNT and number == number.to_integral_value():
        return int(number)
    return float(number)


def _sqlite(path: Path, tables: dict[str, Table]) -> None:
    """One typed table per export table; money twice (exact text, numeric)."""
    import sqlite_utils

    temporary = path.with_suffix(".sqlite.part")
    temporary.unlink(missing_ok=True)
    database = sqlite_utils.Database(temporary)
    for name, table in tables.items():
        types: dict[str, type] = {}
        for column in table.columns:
            if column.kind == MONEY:
                types[column.key] = float
                types[f"{column.key}_text"] = str
            elif column.kind == COUNT:
                types[column.key] = int
            elif column.kind in (PERCENT, NUMBER):
                types[column.key] = float
            else:
                types[column.key] = str
        database[name].create(types)  # type: ignore[union-attr]
        rows = []
        for row in table.rows:
            record: dict[str, Any] = {}
            for column in table.columns:
                value = row.get(column.key)
                if column.kind == MONEY:
                    record[column.key] = None if value is None else float(Decimal(str(value)))
                    record[f"{column.key}_text"] = None if value is None else _text(value)
                elif column.kind == COUNT:
                    record[column.key] = None if value is None else int(Decimal(str(value)))
                elif column.kind in (PERCENT, NUMBER):
                    record[column.key] = None if value is None else float(Decimal(str(value)))
                else:
                    record[column.key] = None if value is None else _text(value)
            rows.append(record)
        if rows:
            database[name].insert_all(rows)  # type: ignore[union-attr]
    database.close()
    temporary.replace(path)


def export(
    out_dir: Path, export_dir: Path | None = None, timezone: str = DEFAULT_TIMEZONE
) -> ExportResult:
    """Write the corrected data of `out_dir` (see the module's docstring)."""
    found = list_reports(out_dir)
    if not found:
        raise ReviewError(f"{out_dir} 中没有报告（先运行 jixiao extract）")
    export_dir = export_dir or out_dir / "export"
    catalog = load_catalog()
    store = DecisionStore(out_dir)
    reports: dict[str, dict[str, Any]] = {}
    originals: dict[str, dict[str, Any]] = {}
    still_open = 0
    for name, path in found.items():
        document = load_report(path)
        reviewed = apply_decisions(document, store.latest(document["source"]["sha256"]), catalog)
        still_open += len(open_fields(reviewed))
        reports[name], originals[name] = reviewed, document
    tables = build_tables(reports, originals, store.history(), catalog, timezone)
    for name, reviewed in reports.items():
        written = strip_rows(plain_json(reviewed))
        for flag in written["flags"]:
            flag["reason"] = display.flag_reason(flag)
        write_text_atomic(export_dir / f"{name}.json", dumps(written))
    for name, table in tables.items():
        write_bytes_atomic(export_dir / f"{name}.csv", _csv_bytes(table))
    write_bytes_atomic(export_dir / XLSX_NAME, _xlsx_bytes(tables))
    _sqlite(export_dir / SQLITE_NAME, tables)
    logger.info(
        "exported %d reports from %s to %s (%d flagged fields undecided)",
        len(reports),
        out_dir,
        export_dir,
        still_open,
    )
    return ExportResult(folder=export_dir, reports=len(reports), open_fields=still_open)
