"""The oracle on the development corpus: how much of what reports state jixiao gets right.

Usage: python benchmarks/oracle_corpus.py [--quick] [--ask gaps|all] [--corpus ../shared/corpus]
       [--oracle ../shared/tools/oracle] [--jixiao .venv/bin/jixiao] [--out DIR]

Runs the shared oracle tool (a simulated model answering from the corpus's truth labels,
with seeded errors; never a real model's accuracy) and prints the table the issues
quote: rules only (`--provider none`), the perfect model (P0) and, unless --quick, the
noisy model at 0.2 and 0.5 (seeds 1-3) with how many injected errors ended `ok`. Then
the per-field table for rules only. Figures: recall = right values / labelled fields;
ok-precision = ok&right / all ok; ok-recall = ok&right / labelled fields.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent


def _load_evaluate(oracle: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("oracle_evaluate", oracle / "evaluate.py")
    if spec is None or spec.loader is None:
        raise SystemExit(f"no oracle at {oracle}")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(oracle))
    spec.loader.exec_module(module)
    return module


def _row(name: str, overall: dict, extra: str = "") -> str:
    def fmt(value: float | None) -> str:
        return "–" if value is None else f"{value:.3f}"

    return (
        f"| {name} | {fmt(overall['recall'])} ({overall['ok_right'] + overall['flagged_right']}"
        f"/{overall['truth']}) | {fmt(overall['ok_precision'])} ({overall['ok_wrong']} wrong ok) "
        f"| {fmt(overall['ok_recall'])} | {extra} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="rules only and P0, no noise runs")
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--oracle", type=Path, default=ROOT.parent / "shared" / "tools" / "oracle")
    parser.add_argument("--jixiao", type=Path, default=ROOT / ".venv" / "bin" / "jixiao")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument(
        "--ask",
        choices=("gaps", "all"),
        default="gaps",
        help="which fields jixiao asks (all: every cue, so every answer meets the validator)",
    )
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="jixiao-oracle-"))
    jixiao = args.jixiao
    if args.ask != "gaps":
        # evaluate.py drops JIXIAO_* from the environment: pass --ask through a wrapper.
        out.mkdir(parents=True, exist_ok=True)
        jixiao = out / "jixiao-ask"
        jixiao.write_text(
            f'#!/bin/sh\nif [ "$1" = extract ]; then exec "{args.jixiao.resolve()}" "$@" '
            f'--ask {args.ask}; fi\nexec "{args.jixiao.resolve()}" "$@"\n',
            encoding="utf-8",
        )
        jixiao.chmod(0o755)
    command = [
        sys.executable,
        str(args.oracle / "evaluate.py"),
        "--truth",
        str(args.corpus),
        "--jixiao",
        str(jixiao),
        "--out",
        str(out),
    ]
    if args.quick:
        command.append("--quick")
    subprocess.run(command, check=True)
    evaluate = _load_evaluate(args.oracle)
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    for name, runs in results["sets"].items():
        rules, p0 = runs["rules"]["overall"], runs["P0"]["overall"]
        worse = sum(1 for r in runs["P0"]["not_ok_right"] if r["rules"] == "ok_right")
        print(f"\n## {name}\n")
        print("| run | recall | ok-precision | ok-recall | notes |")
        print("|---|---|---|---|---|")
        print(_row("rules only", rules))
        print(_row("perfect model (P0)", p0, f"fields worse than rules only: {worse}"))
        for level in evaluate.noise_levels(runs):
            kinds, halluc, overall = evaluate.noise_table(runs, level)
            injected = sum(sum(c.values()) for c in kinds.values()) + sum(
                sum(c.values()) for c in halluc.values()
            )
            ended_ok = sum(
                v
                for counter in [*kinds.values(), *halluc.values()]
                for k, v in counter.items()
                if evaluate.undetected(k)
            )
            print(
                _row(
                    f"noisy model P={level} (seeds merged)",
                    evaluate.rates(overall),
                    f"injected errors ending ok: {ended_ok}/{injected}",
                )
            )
        print(f"\n### {name}: rules only, per field\n")
        columns = ["field", "labelled", "ok&right", "flagged&right", "ok&wrong", "flagged&wrong"]
        print("| " + " | ".join([*columns, "missing"]) + " |")
        print("|---" * (len(columns) + 1) + "|")
        per_field = runs["rules"]["per_field"]
        for path, r in sorted(per_field.items(), key=lambda kv: -kv[1]["truth"]):
            print(
                f"| {path} | {r['truth']} | {r['ok_right']} | {r['flagged_right']} | "
                f"{r['ok_wrong']} | {r['flagged_wrong']} | {r['missing']} |"
            )
    print(f"\n{evaluate.summary(results)}")
    print(f"details: {out / 'details.md'}")


if __name__ == "__main__":
    main()
