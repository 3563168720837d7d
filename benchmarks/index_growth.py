"""Number index time against the number of figures: is it linear in the text?

Usage: python benchmarks/index_growth.py [--max 1000000] [--repeat 1]

Builds report-like text with N figures (prose sentences with money, rates and counts, and
a `|` table every so often), for N = 10³, 10⁴, 10⁵ … up to --max; normalizes and segments
it once, then times `index_numbers`. Prints seconds per N and the growth exponent fitted
between consecutive sizes and over the whole range (1.0 = linear).
"""

from __future__ import annotations

import argparse
import itertools
import math
import time

from jixiao.core import BlockKind, NormalizedText
from jixiao.normalize import normalize_text
from jixiao.numbers import index_numbers
from jixiao.segment import segment

SENTENCE = "第{n}项资金年初预算{a}万元，实际支出{b}万元，执行率{c}%，受益{d}人。\n"
TABLE = "| 项目 | 年初预算 | 全年执行数 |\n| 第{n}项 | {a} | {b} |\n"
FIGURES_PER_SENTENCE = 4  # the item number is a list marker, not a figure


def report_text(figures: int) -> str:
    parts = []
    for n in range(figures // FIGURES_PER_SENTENCE):
        a, b = f"{100 + n % 900}.{n % 100:02d}", f"{90 + n % 800}.{(n * 7) % 100:02d}"
        if n % 50 == 49:
            parts.append(TABLE.format(n=n, a=a, b=b))
        else:
            parts.append(SENTENCE.format(n=n, a=a, b=b, c=90 + n % 10, d=n % 1000))
    return "".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--max", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    sizes = [10**k for k in range(3, 7) if 10**k <= args.max]
    timings: list[tuple[int, int, float]] = []
    for size in sizes:
        text = normalize_text(report_text(size))
        tables = [b for b in segment(NormalizedText(text=text)) if b.kind is BlockKind.TABLE]
        best = math.inf
        for _ in range(args.repeat):
            started = time.perf_counter()
            entries = index_numbers(text, tables)
            best = min(best, time.perf_counter() - started)
        timings.append((size, len(entries), best))
        print(f"{size:>9,} figures asked  {len(entries):>9,} indexed  {best:9.2f} s", flush=True)
    for (n1, _, t1), (n2, _, t2) in itertools.pairwise(timings):
        print(f"exponent {n1:,} → {n2:,}: {math.log(t2 / t1) / math.log(n2 / n1):.2f}")
    if len(timings) > 1:
        (n1, _, t1), (n2, _, t2) = timings[0], timings[-1]
        print(f"exponent over the range: {math.log(t2 / t1) / math.log(n2 / n1):.2f}")


if __name__ == "__main__":
    main()
