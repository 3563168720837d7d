"""PDF reader: text layers, ruled tables in them, locked and broken files."""

from __future__ import annotations

import logging
from decimal import Decimal
from html import escape as html_escape
from pathlib import Path

import pytest

from ingest_support import GOLDEN, rules, text_pdf
from jixiao.core import SourceParagraph
from jixiao.errors import IngestError
from jixiao.golden import Outcome, compare, load_expected
from jixiao.ingest import read_source
from jixiao.output import field_json


def _docx_as_html(docx: Path) -> str:
    """The paragraphs and ruled tables of a docx as HTML (tables keep their borders)."""

    parts = ["<style>table{border-collapse:collapse}td{border:1px solid #000}</style>"]
    for block in read_source(docx).blocks:
        if isinstance(block, SourceParagraph):
            parts.append(f"<p>{html_escape(block.text)}</p>")
            continue
        parts.append("<table>")
        for row in block.rows:
            cells = "".join(f"<td>{html_escape(c.text)}</td>" for c in row.cells)
            parts.append(f"<tr>{cells}</tr>")
        parts.append("</table>")
    return "".join(parts)


def test_a_text_pdf_with_tables_reads_like_its_docx(tmp_path: Path) -> None:
    # 000 printed by chromium: its goals row runs over a page break, its tables have
    # merged cells, and the font maps 人/民/长 to radicals (⼈ ⺠ ⻓) in the text layer.
    case = GOLDEN / "lusong-arts-2024-docx"
    pdf = text_pdf(tmp_path, _docx_as_html(case / "report.docx"), is_html=True)
    outcomes = {}
    for source in (case / "report.docx", pdf):
        prepared, fields = rules(source)
        truth = load_expected(case)
        flat = {path: field_json(field) for path, field in fields.items()}
        outcomes[source.suffix] = {r.path: r.outcome for r in compare(truth, flat, {})}
    assert not prepared.document.ocr
    assert "⺠" not in prepared.text and "⼈" not in prepared.text
    assert "| 年度资金总额 | 69.89 | 80.25 | 80.25 |" in prepared.text
    right = (Outcome.OK_MATCH, Outcome.FLAGGED_MATCH)
    lost = [
        p for p, o in outcomes[".docx"].items() if o in right and outcomes[".pdf"][p] not in right
    ]
    assert lost == []
    assert outcomes[".pdf"]["goals.achieved"] == Outcome.OK_MATCH  # joined over the break


def test_text_pdfs_use_their_text_layer(tmp_path: Path) -> None:
    pdf = text_pdf(
        tmp_path,
        "2024年度某某局部门整体支出绩效自评报告\n一、基本情况\n本单位编制人数25人，实有人数23人。\n基本支出1,000.00万元，项目支出234.56万元。",
    )
    prepared, fields = rules(pdf)
    assert not prepared.document.ocr
    assert fields["staffing.authorized"].value == 25
    assert fields["funds.project"].value == Decimal("234.56")


def test_password_protected_and_broken_pdfs_are_named(tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    plain = text_pdf(tmp_path, "2024年度报告")
    writer = PdfWriter()
    for page in PdfReader(str(plain)).pages:
        writer.add_page(page)
    writer.encrypt("secret")
    locked = tmp_path / "locked.pdf"
    with locked.open("wb") as stream:
        writer.write(stream)
    with pytest.raises(IngestError, match="password-protected"):
        read_source(locked)
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(plain.read_bytes()[:200])
    with pytest.raises(IngestError, match=r"broken\.pdf"):
        read_source(broken)


def test_when_pdfplumber_fails_the_text_layer_is_kept_and_the_failure_logged(
    tmp_path: Path, monkeypatch, caplog
) -> None:
    import pdfplumber

    pdf = text_pdf(
        tmp_path, "2024年度某某局部门整体支出绩效自评报告\n本单位编制人数25人，实有人数23人。"
    )
    expected = read_source(pdf).text

    def broken(*args, **kwargs):
        raise RuntimeError("pdfminer choked")

    monkeypatch.setattr(pdfplumber, "open", broken)
    with caplog.at_level(logging.WARNING, logger="jixiao.ingest.pdf"):
        assert read_source(pdf).text == expected
    [record] = [r for r in caplog.records if r.name == "jixiao.ingest.pdf"]
    assert record.levelno == logging.WARNING
    assert record.exc_info is not None and "pdfminer choked" in str(record.exc_info[1])
