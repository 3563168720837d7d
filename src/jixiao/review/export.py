"""Export: extracted reports + review decisions -> corrected data as files and tables.

In: an output folder of `<name>.json` reports and its review decisions (SQLite).
Out, in the export folder: per report `<name>.json` with reviewed fields
(`status: reviewed`, the decision beside them), and combined tables — one row per report
with the scalar fields in 万元 (`reports.csv`, Chinese and English headers), indicator
rows, project rows and the audit trail — as CSV, one XLSX workbook and one SQLite
database. Fields nobody reviewed export as extracted, with their status.
"""

from __future__ import annotations

import csv
import io
import logging
import sqlite3
from contextlib import closing
from decimal import Decimal
from pathlib import Path
from typing import Any

from jixiao.catalog import Catalog, FieldKind, load_catalog
from jixiao.core import Indicator, Project
from jixiao.files import write_bytes_atomic, write_text_atomic
from jixiao.output import dumps, flatten_report, load_report, plain_json
from jixiao.review.apply import apply_decisions, list_reports
from jixiao.review.decisions import Decision, DecisionStore

logger = logging.getLogger(__name__)

INDICATOR_COLUMNS = Indicator.headers()
PROJECT_COLUMNS = Project.headers()
AUDIT_COLUMNS = [
    ("report", "报告"),
    ("report_sha256", "报告哈希"),
    ("field", "字段"),
    ("old_value", "原值"),
    ("new_value", "新值"),
    ("action", "操作"),
    ("reason", "理由"),
    ("reviewer", "审核人"),
    ("time", "时间"),
]


def _cell(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, list | dict):
        return None
    return value


def build_tables(
    reports: dict[str, dict[str, Any]], history: list[Decision], catalog: Catalog
) -> dict[str, tuple[list[str], list[list[Any]]]]:
    """Table name -> (headers "中文 english", rows)."""
    scalar = [spec for spec in catalog.fields]
    report_headers = ["报告 report", "来源 source", "哈希 sha256"]
    for spec in scalar:
        unit = "（万元）" if spec.kind is FieldKind.MONEY else ""
        report_headers += [f"{spec.zh}{unit} {spec.path}", f"状态 {spec.path}.status"]
    report_rows: list[list[Any]] = []
    indicator_rows: list[list[Any]] = []
    project_rows: list[list[Any]] = []
    for name, document in reports.items():
        fields = flatten_report(document["report"])
        row = [name, document["source"]["path"], document["source"]["sha256"]]
        for spec in scalar:
            row += [_cell(fields[spec.path]["value"]), fields[spec.path]["status"]]
        report_rows.append(row)
        for target, path, columns in (
            (indicator_rows, "indicators", INDICATOR_COLUMNS),
            (project_rows, "projects", PROJECT_COLUMNS),
        ):
            for item in fields[path]["value"] or []:
                status = "reviewed" if "review" in item else fields[path]["status"]
                target.append([name, *[_cell(item.get(key)) for key, _ in columns], status])
    audit_rows = [
        [_cell(getattr(d, key)) if key != "action" else d.action.value for key, _ in AUDIT_COLUMNS]
        for d in history
    ]
    audit_rows = [[str(v) if isinstance(v, Decimal | int) else v for v in r] for r in audit_rows]
    return {
        "reports": (report_headers, report_rows),
        "indicators": (
            ["报告 report"] + [f"{zh} {key}" for key, zh in INDICATOR_COLUMNS] + ["状态 status"],
            indicator_rows,
        ),
        "projects": (
            ["报告 report"] + [f"{zh} {key}" for key, zh in PROJECT_COLUMNS] + ["状态 status"],
            project_rows,
        ),
        "audit": ([f"{zh} {key}" for key, zh in AUDIT_COLUMNS], audit_rows),
    }


def _csv_bytes(headers: list[str], rows: list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")  # the BOM lets Excel read the Chinese


def _xlsx_bytes(tables: dict[str, tuple[list[str], list[list[Any]]]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, (headers, rows) in tables.items():
        sheet = workbook.create_sheet(name)
        sheet.append(headers)
        for row in rows:
            sheet.append([_excel_value(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _excel_value(value: Any) -> Any:
    """Numbers as numbers in Excel (figures have at most 15 significant digits)."""
    if isinstance(value, str):
        try:
            number = Decimal(value)
        except ArithmeticError:
            return value
        if number.is_finite() and len(number.as_tuple().digits) <= 15 and value.strip() == value:
            return int(number) if number == number.to_integral_value() else float(number)
    return value


def _sqlite(path: Path, tables: dict[str, tuple[list[str], list[list[Any]]]]) -> None:
    temporary = path.with_suffix(".sqlite.part")
    temporary.unlink(missing_ok=True)
    with closing(sqlite3.connect(temporary)) as connection, connection:
        for name, (headers, rows) in tables.items():
            columns = [h.split(" ")[-1].replace(".", "_") for h in headers]
            connection.execute(f"CREATE TABLE {name} ({', '.join(f'{c!r} TEXT' for c in columns)})")
            marks = ", ".join("?" for _ in columns)
            connection.executemany(
                f"INSERT INTO {name} VALUES ({marks})",
                [[None if v is None else str(v) for v in r] for r in rows],
            )
    temporary.replace(path)


def export(out_dir: Path, export_dir: Path | None = None) -> Path:
    """Write the corrected data of `out_dir`; returns the export folder."""
    export_dir = export_dir or out_dir / "export"
    catalog = load_catalog()
    store = DecisionStore(out_dir)
    reports: dict[str, dict[str, Any]] = {}
    for name, path in list_reports(out_dir).items():
        document = load_report(path)
        reviewed = apply_decisions(document, store.latest(document["source"]["sha256"]), catalog)
        reports[name] = reviewed
        write_text_atomic(export_dir / f"{name}.json", dumps(plain_json(reviewed)))
    tables = build_tables(reports, store.history(), catalog)
    for name, (headers, rows) in tables.items():
        write_bytes_atomic(export_dir / f"{name}.csv", _csv_bytes(headers, rows))
    write_bytes_atomic(export_dir / "jixiao-export.xlsx", _xlsx_bytes(tables))
    _sqlite(export_dir / "jixiao-export.sqlite", tables)
    logger.info("exported %d reports from %s to %s", len(reports), out_dir, export_dir)
    return export_dir
