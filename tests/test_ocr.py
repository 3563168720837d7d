"""OCR-aware figures, reading order, and scanned inputs end to end (offline OCR)."""

from __future__ import annotations

import shutil
import subprocess
from decimal import Decimal
from functools import partial
from html import escape as html_escape
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from conftest import EXAMPLES
from jixiao.catalog import load_catalog
from jixiao.core import FieldStatus, SuspectLine
from jixiao.golden import Outcome, compare, load_expected
from jixiao.ingest import IngestError, read_source
from jixiao.normalize import locate_suspect, repair_ocr_figures
from jixiao.ocr import (
    OcrLine,
    OcrPage,
    OcrRow,
    continues,
    join_pages,
    reading_order,
    row_suspects,
    table_row_text,
)
from jixiao.output import field_json
from jixiao.pipeline import prepare, settle_report
from jixiao.settings import Settings
from scans import FONT_PATHS, photographed_pdf, scanned_pdf

CHROMIUM = "/usr/bin/chromium"
GOLDEN = Path(__file__).resolve().parent.parent / "golden"


@pytest.mark.parametrize(
    ("read", "fixed", "reason"),
    [
        ("收入8O.25万元", "收入80.25万元", "ocr_repaired_digit"),
        ("执行率1OO%", "执行率100%", "ocr_repaired_digit"),
        ("共l2次，2l人", "共12次，21人", "ocr_repaired_digit"),
        ("O.5万元", "0.5万元", "ocr_repaired_digit"),
        ("合计1.234.567元", "合计1,234,567元", "ocr_suspicious_separator"),
        ("合计1.234.567,89元", "合计1,234,567.89元", "ocr_suspicious_separator"),
        ("支出80,25万元", "支出80.25万元", "ocr_suspicious_separator"),
    ],
)
def test_ocr_figure_misreadings_are_repaired_and_reported(
    read: str, fixed: str, reason: str
) -> None:
    text, repairs = repair_ocr_figures(read)
    assert text == fixed
    assert repairs and all(r == reason for _, r in repairs)


@pytest.mark.parametrize(
    "clean", ["OECD 2024年报告", "1,234.56万元", "80.25万元", "第1.2节", "IT系统"]
)
def test_clean_text_is_left_alone(clean: str) -> None:
    assert repair_ocr_figures(clean) == (clean, [])


def _line(text: str, left: float, top: float, width: float, height: float = 30) -> OcrLine:
    return OcrLine(
        text=text, score=0.99, left=left, top=top, right=left + width, bottom=top + height
    )


def test_reading_order_keeps_rows_and_columns() -> None:
    lines = [
        _line("80.25", 700, 102, 80),
        _line("年度资金总额", 100, 100, 160),
        _line("69.89", 500, 101, 80),
        _line("一、基本情况", 100, 40, 200),
        _line("本单位在职人员4人。", 100, 160, 400),
    ]
    assert (
        reading_order(lines)
        == "一、基本情况\n| 年度资金总额 | 69.89 | 80.25 |\n本单位在职人员4人。"
    )


def test_reading_order_on_a_skewed_page_does_not_merge_lines() -> None:
    # On a scan turned 2°, a long line's box grows tall and reaches the next line.
    long_line = _line(
        "采购等严格按照政府采购云程序报批，保证了办公室相关工作的正常进行。", 140, 356, 1044, 73
    )
    heading = _line("三、绩效运行监控情况", 137, 407, 331, 52)
    assert reading_order([heading, long_line]).splitlines() == [long_line.text, heading.text]


def _table_row(cells: list[str], top: float, cut: bool = False, unsure=()) -> OcrRow:
    return OcrRow(top=top, text=table_row_text(cells), cells=cells, cut=cut, unsure=list(unsure))


def test_a_table_row_cut_by_the_page_end_is_joined_with_its_rest() -> None:
    first = OcrPage(
        confidence=0.99,
        rows=[
            OcrRow(top=10, text="绩效指标"),
            _table_row(["", "数量指标", "查处非法宗教", "≥4起", "4起", "5", "5"], 900, cut=True),
        ],
    )
    second = OcrPage(
        confidence=0.99,
        rows=[
            OcrRow(top=5, text="-3-"),  # a page number may stand above the rest of the row
            _table_row(["", "", "活动", "", "", "", ""], 40),
            _table_row(["", "质量指标", "完成率", "100%", "100%", "10", "10"], 90),
        ],
    )
    rows = join_pages([first, second])
    assert [r.text for r in rows] == [
        "绩效指标",
        "|  | 数量指标 | 查处非法宗教活动 | ≥4起 | 4起 | 5 | 5 |",
        "-3-",
        "|  | 质量指标 | 完成率 | 100% | 100% | 10 | 10 |",
    ]
    breaks = [s for s in row_suspects(rows) if s.reason == "ocr_page_break"]
    assert {s.text for s in breaks} == {"数量指标", "查处非法宗教活动", "≥4起", "4起", "5"}
    assert all(s.context == rows[1].text for s in breaks)


def test_a_new_row_of_figures_on_the_next_page_is_not_joined() -> None:
    cut = _table_row(["时效指标", "全年", "全年", "8", "8"], 900, cut=True)
    new = _table_row(["经济效益指标", "发展", "发展", "5", "5"], 40)
    assert not continues(cut.cells, new.cells)
    rows = join_pages([OcrPage(confidence=1, rows=[cut]), OcrPage(confidence=1, rows=[new])])
    assert [r.cells for r in rows] == [cut.cells, new.cells]
    # and a row not at the page foot is never joined
    whole = cut.model_copy(update={"cut": False})
    rows = join_pages([OcrPage(confidence=1, rows=[whole]), OcrPage(confidence=1, rows=[new])])
    assert len(rows) == 2


def test_a_doubtful_cell_is_placed_inside_its_own_row() -> None:
    # "5" occurs in many places; only the one in the low-confidence row is in doubt.
    text = "共5人。\n| 数量指标 | 书法作品展出 | 18幅 | 5 |\n| 质量指标 | 完成率 | 100% | 5 |"
    row = "| 质量指标 | 完成率 | 100% | 5 |"
    span = locate_suspect(text, SuspectLine(text="5", reason="ocr_low_confidence", context=row))
    assert span is not None and text[span.start : span.end] == "5"
    assert span.start == text.index(row) + row.index("5")
    # without its line a one-character reading cannot be placed, and is not
    assert locate_suspect(text, SuspectLine(text="5", reason="ocr_low_confidence")) is None


def _rules(path: Path):
    catalog = load_catalog()
    prepared = prepare(path, Settings(), catalog)
    fields, _ = settle_report(catalog, prepared, [], model_used=False)
    return prepared, fields


def _outcomes(fields) -> dict[str, Outcome]:
    """Each field's outcome against the golden truth of report 001."""
    truth = load_expected(GOLDEN / "shifeng-arts-2023")
    flat = {path: field_json(field) for path, field in fields.items()}
    return {r.path: r.outcome for r in compare(truth, flat, {})}


@pytest.mark.parametrize(
    ("make", "rotations"),
    [
        (partial(scanned_pdf, seed=11, turn_page=1, turn=180), [0, 180]),
        (partial(scanned_pdf, seed=11, turn_page=1, turn=90), [0, 270]),
        (partial(photographed_pdf, seed=11), [0, 0]),
    ],
    ids=["scan, second page upside down", "scan, second page on its side", "phone photos"],
)
def test_a_scanned_pdf_keeps_the_text_versions_correct_fields(
    tmp_path: Path, make, rotations: list[int]
) -> None:
    scan_path = tmp_path / "001.pdf"
    make(EXAMPLES / "001_ff46524d0f176dc8.txt", scan_path)
    prepared, scan = _rules(scan_path)
    assert prepared.document.ocr and prepared.document.format == "pdf"
    # A turned page is found and turned back (degrees counter-clockwise).
    assert [p.rotation for p in prepared.document.pages] == rotations
    assert all(p.confidence > 0.9 for p in prepared.document.pages)
    _, text = _rules(EXAMPLES / "001_ff46524d0f176dc8.txt")
    right = (Outcome.OK_MATCH, Outcome.FLAGGED_MATCH)
    text_right = {p for p, o in _outcomes(text).items() if o in right}
    scan_outcomes = _outcomes(scan)
    scan_right = {p for p, o in scan_outcomes.items() if o in right}
    lost = text_right - scan_right
    assert len(lost) <= 0.05 * len(text_right), sorted(lost)
    # No OCR misreading turns into an ok field with a wrong value.
    wrong_ok = [
        p
        for p, o in scan_outcomes.items()
        if o in (Outcome.MISMATCH, Outcome.EXTRA) and scan[p].status is FieldStatus.OK
    ]
    assert wrong_ok == []


def test_figure_misreadings_in_a_scan_are_repaired_and_flagged(tmp_path: Path) -> None:
    # The page itself carries what OCR often reads: "0.0l" (l for 1), "0,46" (a comma for
    # the decimal point). Through OCR, normalization and the validator, both figures
    # come out right and flagged for a reviewer, never ok.
    text = (EXAMPLES / "001_ff46524d0f176dc8.txt").read_text(encoding="utf-8")
    misprinted = text.replace("其他资金来源0.01万元", "其他资金来源0.0l万元").replace(
        "结余结转0.46万元", "结余结转0,46万元"
    )
    assert misprinted.count("0.0l万元") == misprinted.count("0,46万元") == 1
    report = tmp_path / "001.txt"
    report.write_text(misprinted, encoding="utf-8")
    scanned_pdf(report, tmp_path / "001.pdf", seed=11)
    prepared, fields = _rules(tmp_path / "001.pdf")
    assert "0.0l万元" in prepared.document.text and "0,46万元" in prepared.document.text
    other, carryover = fields["funds.other_funds"], fields["funds.carryover"]
    assert (other.value, other.status, other.flags) == (
        Decimal("0.01"),
        FieldStatus.FLAGGED,
        ["ocr_repaired_digit"],
    )
    assert (carryover.value, carryover.status, carryover.flags) == (
        Decimal("0.46"),
        FieldStatus.FLAGGED,
        ["ocr_suspicious_separator"],
    )


def test_images_are_read_by_ocr(tmp_path: Path) -> None:
    font = ImageFont.truetype(next(p for p in FONT_PATHS if Path(p).exists()), 30)
    image = Image.new("RGB", (1000, 200), "white")
    ImageDraw.Draw(image).text(
        (30, 60), "2024年度单位一般公共预算财政拨款收入80.25万元。", font=font, fill="black"
    )
    path = tmp_path / "photo.jpg"
    image.save(path, quality=70)
    document = read_source(path)
    assert document.ocr and document.format == "image"
    assert "80.25万元" in document.text


def test_a_phone_photos_exif_turn_is_applied(tmp_path: Path) -> None:
    font = ImageFont.truetype(next(p for p in FONT_PATHS if Path(p).exists()), 30)
    upright = Image.new("RGB", (1000, 200), "white")
    ImageDraw.Draw(upright).text(
        (30, 60), "项目支出10.15万元，基本支出70.1万元。", font=font, fill="black"
    )
    # The sensor's image lies on its side; EXIF orientation 6 says "turn 90° clockwise".
    sensor = upright.rotate(90, expand=True)
    exif = sensor.getexif()
    exif[0x0112] = 6
    path = tmp_path / "photo.jpg"
    sensor.save(path, quality=85, exif=exif)
    document = read_source(path)
    assert document.pages[0].rotation == 0  # upright before OCR: no turn left to find
    assert "项目支出10.15万元" in document.text


def _text_pdf(tmp_path: Path, body: str, is_html: bool = False) -> Path:
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


def _docx_as_html(docx: Path) -> str:
    """The paragraphs and ruled tables of a docx as HTML (tables keep their borders)."""
    from jixiao.core import SourceParagraph

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
    pdf = _text_pdf(tmp_path, _docx_as_html(case / "report.docx"), is_html=True)
    outcomes = {}
    for source in (case / "report.docx", pdf):
        prepared, fields = _rules(source)
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
    pdf = _text_pdf(
        tmp_path,
        "2024年度某某局部门整体支出绩效自评报告\n一、基本情况\n本单位编制人数25人，实有人数23人。\n基本支出1,000.00万元，项目支出234.56万元。",
    )
    prepared, fields = _rules(pdf)
    assert not prepared.document.ocr
    assert fields["staffing.authorized"].value == 25
    assert fields["funds.project"].value == Decimal("234.56")


def test_password_protected_and_broken_pdfs_are_named(tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    plain = _text_pdf(tmp_path, "2024年度报告")
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


def test_old_word_files_name_the_missing_converter(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "report.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(IngestError, match="LibreOffice"):
        read_source(path)


def test_a_mixed_folder_reads_what_it_can_and_names_the_rest(tmp_path: Path, monkeypatch) -> None:
    import json

    import docx
    from pypdf import PdfReader, PdfWriter
    from typer.testing import CliRunner

    from jixiao.cli import app

    for name in ("JIXIAO_BASE_URL", "JIXIAO_MODEL", "OPENAI_BASE_URL", "OPENAI_MODEL"):
        monkeypatch.delenv(name, raising=False)
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_bytes((EXAMPLES / "002_84a1d662e5590cf1.txt").read_bytes())
    document = docx.Document()
    document.add_paragraph("2024年度某某局部门整体支出绩效自评报告")
    document.add_paragraph("本单位编制人数25人，实有人数23人。")
    document.save(str(folder / "b.docx"))
    pdf = _text_pdf(tmp_path, "2024年度某某局部门整体支出绩效自评报告\n基本支出1,000.00万元。")
    (folder / "c.pdf").write_bytes(pdf.read_bytes())
    font = ImageFont.truetype(next(p for p in FONT_PATHS if Path(p).exists()), 30)
    scan = Image.new("RGB", (1000, 200), "white")
    ImageDraw.Draw(scan).text(
        (30, 60), "2024年度某某局整体支出绩效自评报告 在职人员4人。", font=font, fill="black"
    )
    scan.save(folder / "d.png")
    (folder / "e.txt").write_bytes(b"")
    (folder / "f.docx").write_bytes(b"PK\x03\x04 not a document")
    writer = PdfWriter()
    for page in PdfReader(str(pdf)).pages:
        writer.add_page(page)
    writer.encrypt("secret")
    with (folder / "g.pdf").open("wb") as stream:
        writer.write(stream)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["extract", str(folder), "--out", str(out)])
    assert result.exit_code == 1, result.output
    summary = json.loads((out / "jixiao-run.json").read_text(encoding="utf-8"))
    status = {r["name"]: (r["status"], r["reason"]) for r in summary["reports"]}
    assert {n for n, (s, _) in status.items() if s == "done"} == {"a", "b", "c", "d"}
    assert status["e"] == ("failed", "the file is empty")
    assert "docx" in status["f"][1]
    assert status["g"] == ("failed", "the PDF is password-protected")
    scanned = json.loads((out / "d.json").read_text(encoding="utf-8"))
    assert scanned["source"]["ocr"] is True
    assert scanned["source"]["pages"][0]["confidence"] > 0.9
    assert scanned["report"]["staffing"]["actual"]["value"] == 4
