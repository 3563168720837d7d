"""Scanned reports against their text versions: the figures issue 6's closing note asks for.

Usage: python benchmarks/scan_vs_text.py

For each golden text case the scan is the golden `-scan` case when there is one (read
with its recordings too) or else a messy scan generated from the text (tests/scans.py:
150 dpi, skew, blur, noise, JPEG, second page upside down); every text case is also
scored as generated phone photos (slanted view, uneven light, shadow, on a desk).
Both versions run through the pipeline rules-only and, where recordings exist, with
them replayed; each is scored against the text case's expected.json. Prints per scan:
pages, seconds per page of the whole rules-only run (OCR is nearly all of it), page
confidences, fields right in the text version and in the scan, what the scan lost, wrong
values left `ok`, and the flags raised by OCR (low confidence, repaired digits, page
breaks).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from jixiao.golden import Outcome, case_input, compare, load_expected, run_case  # noqa: E402
from jixiao.ingest.ocr import OcrEngine  # noqa: E402
from jixiao.output import flatten_report, report_json  # noqa: E402
from jixiao.settings import load_settings  # noqa: E402
from scans import photographed_pdf, scanned_pdf  # noqa: E402

GOLDEN = ROOT / "golden"
TEXT_CASES = (
    "lusong-arts-2024",
    "shifeng-arts-2023",
    "lingling-arts-2024",
    "lusong-propaganda-2024",
)
OCR_FLAG_CODES = ("ocr_low_confidence", "ocr_repaired_digit", "ocr_page_break")
RIGHT = (Outcome.OK_MATCH, Outcome.FLAGGED_MATCH)


def score(case_dir: Path, truth: dict, replay: bool, engine: OcrEngine) -> dict:
    settings = load_settings({"provider": "replay" if replay else "none"}, environ={})
    started = time.perf_counter()
    result = run_case(case_dir, settings, ocr=engine)
    seconds = time.perf_counter() - started
    flat = flatten_report(report_json(result)["report"])
    outcomes = {r.path: r.outcome for r in compare(truth, flat, {})}
    return {
        "seconds": seconds,
        "pages": result.source.pages,
        "right": {p for p, o in outcomes.items() if o in RIGHT},
        "wrong_ok": sorted(
            p
            for p, o in outcomes.items()
            if o in (Outcome.MISMATCH, Outcome.EXTRA) and flat[p]["status"] == "ok"
        ),
        "ocr_flags": [f for f in result.flags if f.code in OCR_FLAG_CODES],
    }


def _scans_of(text_case: Path, scratch: Path) -> list[tuple[str, Path, dict[str, bool]]]:
    """The scans to score for a text case: the golden `-scan` case (rules only and with
    recordings) or a generated messy scan, and always generated phone photos."""
    scans = []
    scan_case = GOLDEN / f"{text_case.name}-scan"
    if scan_case.is_dir():
        scans.append((scan_case.name, scan_case, {"rules only": False, "recordings": True}))
    else:
        scan_case = scratch / f"{text_case.name}-scan"
        scanned_pdf(case_input(text_case), scan_case / "report.pdf", turn_page=1)
        scans.append((f"{text_case.name} (generated scan)", scan_case, {"rules only": False}))
    photos = scratch / f"{text_case.name}-photos"
    photographed_pdf(case_input(text_case), photos / "report.pdf")
    scans.append((f"{text_case.name} (generated phone photos)", photos, {"rules only": False}))
    return scans


def _row(label: str, mode: str, text: dict, scanned: dict) -> list[str]:
    pages = scanned["pages"]
    confidences = [p.confidence for p in pages if p.confidence is not None]
    codes = [f.code for f in scanned["ocr_flags"]]
    return [
        label,
        mode,
        str(len(pages)),
        f"{scanned['seconds'] / max(len(pages), 1):.1f}",
        f"{min(confidences):.3f}–{max(confidences):.3f}" if confidences else "-",
        str(len(text["right"])),
        str(len(scanned["right"])),
        ", ".join(sorted(text["right"] - scanned["right"])) or "none",
        ", ".join(scanned["wrong_ok"]) or "none",
        ", ".join(f"{c} {codes.count(c)}" for c in OCR_FLAG_CODES),
    ]


def main() -> None:
    engine = OcrEngine()
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for name in TEXT_CASES:
            text_case = GOLDEN / name
            truth = load_expected(text_case)
            for label, scan_case, modes in _scans_of(text_case, Path(scratch)):
                for mode, replay in modes.items():
                    text = score(text_case, truth, replay, engine)
                    scanned = score(scan_case, truth, replay, engine)
                    rows.append(_row(label, mode, text, scanned))
                    print(" | ".join(rows[-1]), flush=True)
    header = [
        "scan",
        "mode",
        "pages",
        "s/page",
        "page confidence",
        "right (text)",
        "right (scan)",
        "lost",
        "wrong ok",
        "OCR flags",
    ]
    print()
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
