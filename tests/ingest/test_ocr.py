"""OCR-aware figures, reading order, and scanned inputs end to end (offline OCR)."""

from __future__ import annotations

from decimal import Decimal
from functools import partial
from pathlib import Path

import pytest

from conftest import EXAMPLES
from ingest_support import outcomes, rules
from jixiao.core import FieldStatus, SuspectLine
from jixiao.golden import Outcome
from jixiao.ingest.ocr import OcrLine, reading_order
from jixiao.normalize import locate_suspect, repair_ocr_figures
from scans import photographed_pdf, scanned_pdf


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


def test_a_doubtful_cell_is_placed_inside_its_own_row() -> None:
    # "5" occurs in many places; only the one in the low-confidence row is in doubt.
    text = "共5人。\n| 数量指标 | 书法作品展出 | 18幅 | 5 |\n| 质量指标 | 完成率 | 100% | 5 |"
    row = "| 质量指标 | 完成率 | 100% | 5 |"
    span = locate_suspect(text, SuspectLine(text="5", reason="ocr_low_confidence", context=row))
    assert span is not None and text[span.start : span.end] == "5"
    assert span.start == text.index(row) + row.index("5")
    # without its line a one-character reading cannot be placed, and is not
    assert locate_suspect(text, SuspectLine(text="5", reason="ocr_low_confidence")) is None


@pytest.mark.slow
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
    prepared, scan = rules(scan_path)
    assert prepared.document.ocr and prepared.document.format == "pdf"
    # A turned page is found and turned back (degrees counter-clockwise).
    assert [p.rotation for p in prepared.document.pages] == rotations
    assert all(p.confidence > 0.9 for p in prepared.document.pages)
    _, text = rules(EXAMPLES / "001_ff46524d0f176dc8.txt")
    right = (Outcome.OK_MATCH, Outcome.FLAGGED_MATCH)
    text_right = {p for p, o in outcomes(text).items() if o in right}
    scan_outcomes = outcomes(scan)
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


@pytest.mark.slow
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
    prepared, fields = rules(tmp_path / "001.pdf")
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
