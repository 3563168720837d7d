"""Helpers the ingest tests share: PDFs printed by chromium, and a report's fields by
the rules alone (no model)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from jixiao.catalog import load_catalog
from jixiao.golden import Outcome, compare, load_expected
from jixiao.output import field_json
from jixiao.pipeline import prepare, settle_report
from jixiao.settings import Settings

CHROMIUM = "/usr/bin/chromium"
GOLDEN = Path(__file__).resolve().parents[1] / "golden"


def rules(path: Path):
    catalog = load_catalog()
    prepared = prepare(path, Settings(), catalog)
    fields, _ = settle_report(catalog, prepared, [])
    return prepared, fields


def outcomes(fields) -> dict[str, Outcome]:
    """Each field's outcome against the golden truth of report 001."""
    truth = load_expected(GOLDEN / "shifeng-arts-2023")
    flat = {path: field_json(field) for path, field in fields.items()}
    return {r.path: r.outcome for r in compare(truth, flat, {})}


def text_pdf(tmp_path: Path, body: str, is_html: bool = False) -> Path:
    """A PDF with a real text layer, printed by Debian's chromium."""
    html = tmp_path / "report.html"
    page = body if is_html else f"<pre>{body}</pre>"
    html.write_text(f"<html><meta charset='utf-8'><body>{page}</body></html>", encoding="utf-8")
    pdf = tmp_path / "report.pdf"
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            html.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return pdf
