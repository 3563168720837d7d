"""OCR seconds per page: one page at a time (as before), pages side by side, and cached.

Usage: python benchmarks/ocr_speed.py [--examples N] [--workers N]

Inputs: the golden scanned cases (golden/*-scan/report.pdf) and messy scans generated
from the first N example reports (tests/scans.py: 150 dpi, skew, blur, noise, JPEG, the
second page upside down; default N=2). Each input is read as jixiao reads it
(`read_source`: render at 200 dpi, orientation, OCR, table rules) three ways:

- `one by one`: one engine, no cache, every page in this process (jixiao before issue 16);
- `side by side, cold`: worker processes (`--workers`, default every core), empty cache;
- `side by side, warm`: the same again over the cache the cold run filled (a re-run).

Prints per input and way the pages and seconds, then a table of seconds per page (wall
time, and CPU seconds of this process and its workers: on a busy machine the wall time
depends on what else runs, the CPU time much less), and checks that each way read the
same text. Model loading and worker start-up are counted
in each way's first input, as a batch pays them once. Prints the load average first:
figures taken beside other work are slower than on an idle machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from jixiao.ingest import read_source  # noqa: E402
from jixiao.ingest.ocr import OcrEngine  # noqa: E402
from scans import scanned_pdf  # noqa: E402


def inputs(scratch: Path, examples: int) -> list[Path]:
    """The golden scans, then `examples` generated scans of the example reports."""
    found = sorted((ROOT / "golden").glob("*-scan/report.pdf"))
    for report in sorted((ROOT / "examples").glob("*.txt"))[:examples]:
        target = scratch / f"{report.stem}.pdf"
        scanned_pdf(report, target, turn_page=1)
        found.append(target)
    return found


def cpu_seconds() -> float:
    """CPU time of this process and of its ended worker processes, user and system."""
    own, workers = (
        resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime


def read_all(paths: list[Path], engine: OcrEngine) -> tuple[list[str], int, float, float]:
    """Each input read by `engine`: the texts, the pages, the seconds in all and the CPU
    seconds (the engine is closed at the end, so its workers' time is counted)."""
    texts, pages, seconds = [], 0, 0.0
    cpu = cpu_seconds()
    for path in paths:
        started = time.perf_counter()
        document = read_source(path, engine)
        took = time.perf_counter() - started
        texts.append(document.text)
        pages += len(document.pages)
        seconds += took
        name = path.parent.name if path.name == "report.pdf" else path.stem
        print(f"    {name}: {len(document.pages)} pages in {took:.1f} s", flush=True)
    engine.close()
    return texts, pages, seconds, cpu_seconds() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=2, help="generated scans (0-4)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    load = os.getloadavg()
    print(f"{os.cpu_count()} cores; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    rows, texts = [], {}
    with tempfile.TemporaryDirectory() as scratch:
        paths = inputs(Path(scratch), args.examples)
        cache = Path(scratch) / "ocr-cache"
        ways = (
            ("one by one, no cache (before)", OcrEngine(workers=1)),
            (f"side by side ({args.workers} workers), cold cache", None),
            (f"side by side ({args.workers} workers), warm cache", None),
        )
        for name, engine in ways:
            print(f"{name}:", flush=True)
            engine = engine or OcrEngine(cache_dir=cache, workers=args.workers)
            texts[name], pages, seconds, cpu = read_all(paths, engine)
            rows.append((name, pages, seconds, cpu))
    print()
    print("| way | pages | seconds | s/page | CPU s/page |\n|---|---|---|---|---|")
    for name, pages, seconds, cpu in rows:
        per = max(1, pages)
        print(f"| {name} | {pages} | {seconds:.1f} | {seconds / per:.2f} | {cpu / per:.2f} |")
    first, *others = texts.values()
    same = all(other == first for other in others)
    print(f"same text every way: {'yes' if same else 'NO'}")
    if not same:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
