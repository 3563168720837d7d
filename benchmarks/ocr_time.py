"""OCR time per page: messy scans of the example reports through the offline OCR.

Usage: python benchmarks/ocr_time.py [REPORT.txt ...]   (default: all examples)

Each report is rendered to degraded 150-dpi page images (tests/scans.py: skew, blur,
noise, JPEG; its second page upside down), wrapped into an image-only PDF, and read back
page by page as jixiao does (render at 200 dpi, orientation, OCR, table rules). Prints
seconds per page and each page's confidence and rotation.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import pypdfium2  # noqa: E402

from jixiao.ingest.ocr import OcrEngine  # noqa: E402
from jixiao.ingest.pdf import OCR_DPI  # noqa: E402
from scans import scanned_pdf  # noqa: E402


def main() -> None:
    reports = [Path(a) for a in sys.argv[1:]] or sorted((ROOT / "examples").glob("*.txt"))
    engine = OcrEngine()
    every = []
    with tempfile.TemporaryDirectory() as scratch:
        for report in reports:
            pdf = Path(scratch) / f"{report.stem}.pdf"
            scanned_pdf(report, pdf, turn_page=1)
            document = pypdfium2.PdfDocument(str(pdf))
            seconds = []
            for number, page in enumerate(document, start=1):
                started = time.perf_counter()
                result = engine.page(page.render(scale=OCR_DPI / 72).to_pil())
                seconds.append(time.perf_counter() - started)
                print(
                    f"  {report.stem} p{number}: {seconds[-1]:.1f} s, confidence "
                    f"{result.confidence:.3f}, rotation {result.rotation}"
                )
            document.close()
            every += seconds
            print(f"{report.stem}: {len(seconds)} pages, {statistics.mean(seconds):.1f} s/page")
    print(
        f"all: {len(every)} pages, median {statistics.median(every):.1f} s/page, "
        f"mean {statistics.mean(every):.1f} s/page"
    )


if __name__ == "__main__":
    main()
