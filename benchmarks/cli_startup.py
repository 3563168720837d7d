"""How long `jixiao --help` takes, and which imports cost the most.

Usage: python benchmarks/cli_startup.py [--runs N]

Runs the installed `jixiao --help` (the console script beside this interpreter) N times
(default 5) and prints the median wall time, then `python -X importtime` of
`import jixiao.cli` and of `jixiao --help`: the ten modules with the largest cumulative
import time, and whether the LLM stack, OCR or pydantic were loaded. Prints the load
average first: on a busy machine every figure is slower.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HEAVY = ("openai", "instructor", "rapidocr", "onnxruntime", "cv2", "pydantic", "jixiao.pipeline")


def importtime(code: str) -> list[tuple[int, str]]:
    """(cumulative microseconds, module) for every import `code` makes, largest first."""
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True
    )
    found = []
    for line in out.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, module = line.split("|")
        found.append((int(cumulative), module.strip()))
    return sorted(found, reverse=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    load = os.getloadavg()
    print(f"{os.cpu_count()} cores; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    script = Path(sys.executable).with_name("jixiao")
    seconds = []
    for _ in range(args.runs):
        started = time.perf_counter()
        subprocess.run([str(script), "--help"], capture_output=True, check=True)
        seconds.append(time.perf_counter() - started)
    print(
        f"jixiao --help: median {statistics.median(seconds):.3f} s of {args.runs} runs "
        f"({', '.join(f'{s:.3f}' for s in seconds)})"
    )
    help_code = (
        "from jixiao.cli import app\ntry:\n    app(['--help'])\nexcept SystemExit:\n    pass"
    )
    for label, code in (("import jixiao.cli", "import jixiao.cli"), ("jixiao --help", help_code)):
        times = importtime(code)
        modules = {module for _, module in times}
        heavy = [name for name in HEAVY if name in modules]
        print(f"\n{label}: loads {', '.join(heavy) if heavy else 'none of ' + ', '.join(HEAVY)}")
        for cumulative, module in times[:10]:
            print(f"  {cumulative / 1000:7.1f} ms  {module}")


if __name__ == "__main__":
    main()
