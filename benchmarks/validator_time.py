"""Validator time per report: number index + rules + grounding + checks, no LLM.

Usage: python benchmarks/validator_time.py [--repeat 20] [--replay tests/recordings/examples]

For each example, the chunk answers are taken once (replayed from the recordings when
--replay is given, else none), then the deterministic pass (index the numbers, run the
rules, merge, ground, reconcile, check) is timed --repeat times. Prints per report the
median in ms, and the median over the reports.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from jixiao.catalog import load_catalog
from jixiao.core import BlockKind
from jixiao.llm import open_provider
from jixiao.numbers import index_numbers
from jixiao.pipeline import prepare, questions_for, settle_report
from jixiao.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--replay", type=Path)
    args = parser.parse_args()
    catalog = load_catalog()
    overrides = (
        {"provider": "replay", "replay_dir": args.replay} if args.replay else {"provider": "none"}
    )
    settings = load_settings(overrides, environ={})
    provider = open_provider(settings)
    medians = []
    for path in sorted((ROOT / "examples").glob("*.txt")):
        prepared = prepare(path, settings, catalog)
        answers = [
            provider.answer(question, path.stem)
            for question in questions_for(catalog, prepared, settings)
        ]
        tables = [b for b in prepared.blocks if b.kind is BlockKind.TABLE]
        timings = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            prepared.index = index_numbers(prepared.text, tables)
            settle_report(catalog, prepared, answers)
            timings.append((time.perf_counter() - started) * 1000)
        median = statistics.median(timings)
        medians.append(median)
        print(f"{path.stem:28} {len(prepared.text):>6} chars  {median:8.1f} ms")
    print(
        f"median over {len(medians)} reports: {statistics.median(medians):.1f} ms "
        f"({'with recorded model answers' if args.replay else 'rules only'})"
    )


if __name__ == "__main__":
    main()
