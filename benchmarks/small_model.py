"""jixiao on the fixed small-model subset, rules only and with the local model, beside langextract.

Issue 17: jixiao must get at least as much from the small local model as langextract does
with the same model. This runs `jixiao extract` on benchmarks/small_model_subset.txt

  (a) rules only:   --provider none
  (b) with a model: --provider openai --base-url URL --model NAME --no-cache --jobs 1

scores both against the corpus labels exactly as the oracle does (shared/tools/oracle/
scoring.py: numbers equal within 0.005, text equal after NFKC without white space;
"fabricated" = a figure the text prints nowhere, as 万元 or as 元) and prints them side by side
with benchmarks/results/langextract_baseline.json when that exists (made by
langextract_baseline.py in its own venv).

    ../shared/tools/local-llm start
    .venv/bin/python benchmarks/small_model.py                 # (a) and (b)
    .venv/bin/python benchmarks/small_model.py --runs none     # rules only (seconds)

Stdlib only (it runs the jixiao executable). Writes benchmarks/results/small_model.json.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUTCOMES = ("ok_right", "flagged_right", "ok_wrong", "flagged_wrong", "missing")


def load_scoring(oracle_dir: Path):
    spec = importlib.util.spec_from_file_location("oracle_scoring", oracle_dir / "scoring.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def find_jixiao(given: str | None) -> str:
    if given:
        return given
    for candidate in (REPO / ".venv" / "bin" / "jixiao", Path(sys.executable).parent / "jixiao"):
        if candidate.exists():
            return str(candidate)
    found = shutil.which("jixiao")
    if not found:
        raise SystemExit("no jixiao executable: give --jixiao")
    return found


def jixiao_commit(jixiao: str) -> str | None:
    """The git commit of the source the jixiao executable runs (an editable install follows
    its checkout, which may be another worktree than this script's), '+dirty' if changed."""
    python = Path(jixiao).parent / "python"
    found = subprocess.run(
        [str(python), "-c", "import jixiao; print(jixiao.__file__)"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    if not found:
        return None
    src = Path(found).parent
    git = ["git", "-C", str(src)]
    head = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(
        [*git, "status", "--porcelain", "--", "."], capture_output=True, text=True
    )
    if not head.stdout.strip():
        return str(src)
    return f"{head.stdout.strip()}{'+dirty' if dirty.stdout.strip() else ''} ({src})"


def read_subset(path: Path) -> list[str]:
    return [
        s.strip()
        for s in path.read_text(encoding="utf-8").splitlines()
        if s.strip() and not s.lstrip().startswith("#")
    ]


def walk(node, prefix=""):
    if isinstance(node, dict):
        if "value" in node and "status" in node:
            yield prefix, node
            return
        for k, v in node.items():
            yield from walk(v, f"{prefix}.{k}" if prefix else k)


def is_number(v) -> bool:
    return isinstance(v, (int, float, Decimal)) and not isinstance(v, bool)


def run_jixiao(
    jixiao: str, staged: Path, out: Path, provider: str, args, replay: Path | None = None
) -> tuple[float, list]:
    """One `jixiao extract` over the staged texts: its wall time in seconds and the machine's
    1-minute load average before and after (the 2 cores are shared)."""
    shutil.rmtree(out, ignore_errors=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JIXIAO_", "OPENAI_"))}
    cmd = [jixiao, "extract", str(staged), "--out", str(out), "--provider", provider]
    if replay is not None:
        cmd += ["--replay", str(replay)]
    if provider == "openai":
        env["JIXIAO_API_KEY"] = os.environ.get("JIXIAO_API_KEY", "local")
        # A fresh cache folder: no answer is reused and the endpoint's output-mode probe
        # runs (and is counted) once, as on a new user's first run.
        cache = out.parent / f"{out.name}-cache"
        shutil.rmtree(cache, ignore_errors=True)
        cmd += ["--base-url", args.base_url, "--model", args.model, "--no-cache", "--jobs", "1"]
        cmd += ["--cache-dir", str(cache)]
        # Every answer kept: `--rescore` replays them through a changed validator.
        cmd += ["--record", str(out.parent / f"{out.name}-recordings")]
        if args.mode:
            cmd += ["--mode", args.mode]
    print("$", " ".join(cmd), flush=True)
    load_start = os.getloadavg()[0]
    t0 = time.monotonic()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=args.timeout)
    seconds = time.monotonic() - t0
    (out.parent / f"{out.name}.log").write_text(done.stdout + "\n" + done.stderr, encoding="utf-8")
    if done.returncode not in (0, 1):
        raise SystemExit(f"jixiao failed ({done.returncode}): {done.stderr[-2000:]}")
    return seconds, [round(load_start, 2), round(os.getloadavg()[0], 2)]


def score(scoring, corpus: Path, stems: list[str], out: Path, timing: tuple[float, list]) -> dict:
    seconds, load = timing
    per_field: dict[str, Counter] = defaultdict(Counter)
    total = Counter()
    reports = []
    for stem in stems:
        text = (corpus / f"{stem}.txt").read_text(encoding="utf-8")
        truth = scoring.truth_fields(
            json.loads((corpus / f"{stem}.json").read_text(encoding="utf-8"))
        )
        of = out / f"{stem}.json"
        output = (
            json.loads(of.read_text(encoding="utf-8"), parse_float=Decimal) if of.exists() else {}
        )
        report, run = output.get("report") or {}, output.get("run") or {}
        rows = []
        for path, label in truth.items():
            field = scoring.get(report, path) or {}
            status, value = field.get("status"), field.get("value")
            if status == "missing" or value is None:
                result = "missing"
            else:
                good = scoring.same(value, label["value"])
                result = f"{'ok' if status == 'ok' else 'flagged'}_{'right' if good else 'wrong'}"
            per_field[path][result] += 1
            total[result] += 1
            rows.append(
                {
                    "field": path,
                    "truth": label["value"],
                    "value": value,
                    "status": status,
                    "outcome": result,
                }
            )
        for path, field in walk(report):
            value, status = field.get("value"), field.get("status")
            if value is None or status == "missing":
                continue
            total["asserted"] += 1
            total["asserted_ok"] += status == "ok"
            if path not in truth:
                total["asserted_unlabelled"] += 1
            if is_number(value):
                fabricated = not scoring.digits_in_text(value, text)
                total["asserted_numeric"] += 1
                total["fabricated"] += fabricated
                total["fabricated_ok"] += fabricated and status == "ok"
        total["calls"] += int(run.get("llm_calls") or 0)
        total["prompt_tokens"] += int(run.get("input_tokens") or 0)
        total["completion_tokens"] += int(run.get("output_tokens") or 0)
        total["failed_chunks"] += len(run.get("failed_chunks") or [])
        total["missing_output"] += not of.exists()
        reports.append(
            {
                "report": stem,
                "seconds": run.get("seconds"),
                "llm_calls": run.get("llm_calls"),
                "input_tokens": run.get("input_tokens"),
                "fields": rows,
            }
        )
    labelled = sum(total[o] for o in OUTCOMES)
    summary = {
        "reports": len(stems),
        "labelled": labelled,
        "right": total["ok_right"] + total["flagged_right"],
        "right_ok": total["ok_right"],
        "wrong": total["ok_wrong"] + total["flagged_wrong"],
        "wrong_ok": total["ok_wrong"],
        "missing": total["missing"],
        **{
            k: total[k]
            for k in (
                "asserted",
                "asserted_ok",
                "asserted_unlabelled",
                "asserted_numeric",
                "fabricated",
                "fabricated_ok",
                "calls",
                "prompt_tokens",
                "completion_tokens",
                "failed_chunks",
                "missing_output",
            )
        },
        "wall_seconds": round(seconds, 1),
        "load_average_start_end": load,
    }
    return {
        "summary": summary,
        "per_field": {p: dict(c) for p, c in sorted(per_field.items())},
        "reports": reports,
    }


def fmt(v) -> str:
    return "—" if v is None else str(v)


def table(columns: dict[str, dict]) -> str:
    rows = [
        ("reports", "reports"),
        ("labelled fields", "labelled"),
        ("right", "right"),
        ("right & ok", "right_ok"),
        ("wrong asserted", "wrong"),
        ("wrong & ok", "wrong_ok"),
        ("missing", "missing"),
        ("values asserted", "asserted"),
        ("fabricated (printed nowhere)", "fabricated"),
        ("fabricated & ok", "fabricated_ok"),
        ("copied from examples", "copied_from_examples"),
        ("LLM calls", "calls"),
        ("prompt tokens", "prompt_tokens"),
        ("completion tokens", "completion_tokens"),
        ("wall time s", "wall_seconds"),
    ]
    names = list(columns)
    lines = ["| metric | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    for label, key in rows:
        lines.append(f"| {label} | " + " | ".join(fmt(columns[n].get(key)) for n in names) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=HERE.parent.parent / "shared" / "corpus")
    ap.add_argument("--subset", type=Path, default=HERE / "small_model_subset.txt")
    ap.add_argument(
        "--oracle",
        type=Path,
        default=None,
        help="folder of the oracle's scoring.py (default: tools/oracle beside the corpus)",
    )
    ap.add_argument("--jixiao", default=None, help="jixiao executable (default: the repo's .venv)")
    ap.add_argument("--runs", default="none,model", help="none, model or both (comma-separated)")
    ap.add_argument(
        "--base-url", default=os.environ.get("JIXIAO_BASE_URL", "http://127.0.0.1:8089/v1")
    )
    ap.add_argument(
        "--model", default=os.environ.get("JIXIAO_MODEL", "qwen2.5-coder-1.5b-instruct")
    )
    ap.add_argument(
        "--mode", default=None, help="instructor mode for the model run (jixiao's default if unset)"
    )
    ap.add_argument("--timeout", type=float, default=7200, help="seconds for one jixiao run")
    ap.add_argument("--baseline", type=Path, default=HERE / "results" / "langextract_baseline.json")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "small_model.json")
    ap.add_argument("--limit", type=int, default=0, help="only the first N reports (a probe)")
    ap.add_argument(
        "--rescore",
        action="store_true",
        help="replay the last live model run's recordings (in --keep) through this checkout",
    )
    ap.add_argument("--keep", type=Path, default=None, help="keep jixiao's outputs in this folder")
    args = ap.parse_args(argv)

    scoring = load_scoring(args.oracle or (args.corpus.parent / "tools" / "oracle"))
    jixiao = find_jixiao(args.jixiao)
    stems = read_subset(args.subset)
    if args.limit:
        stems = stems[: args.limit]
    runs = [r.strip() for r in args.runs.split(",") if r.strip()]
    work = args.keep or Path(tempfile.mkdtemp(prefix="jixiao-small-model-"))
    staged = work / "texts"
    shutil.rmtree(staged, ignore_errors=True)
    staged.mkdir(parents=True)
    for stem in stems:  # the texts exactly as in the corpus (jixiao handles the URL line)
        shutil.copyfile(args.corpus / f"{stem}.txt", staged / f"{stem}.txt")

    previous = {}
    if args.out.exists():  # keep an earlier run of the kind not repeated now
        previous = json.loads(args.out.read_text(encoding="utf-8")).get("runs", {})
    results = {}
    for run in runs:
        if run == "none":
            timing = run_jixiao(jixiao, staged, work / "out-none", "none", args)
            results["jixiao rules only"] = score(
                scoring, args.corpus, stems, work / "out-none", timing
            )
        elif run == "model" and args.rescore:
            # The live run's answers replayed through this checkout's validator; calls,
            # tokens and wall time are the live run's (from its summary).
            live = previous["jixiao + model"]["summary"]
            recordings = work / "out-model-recordings"
            timing = run_jixiao(jixiao, staged, work / "out-rescored", "replay", args, recordings)
            entry = score(scoring, args.corpus, stems, work / "out-rescored", timing)
            for key in ("calls", "prompt_tokens", "completion_tokens", "wall_seconds"):
                entry["summary"][key] = live[key]
            entry["summary"]["rescored"] = True
            entry["model"], entry["base_url"] = args.model, args.base_url
            results["jixiao + model"] = entry
        elif run == "model":
            timing = run_jixiao(jixiao, staged, work / "out-model", "openai", args)
            entry = score(scoring, args.corpus, stems, work / "out-model", timing)
            entry["model"], entry["base_url"] = args.model, args.base_url
            results["jixiao + model"] = entry
        else:
            raise SystemExit(f"unknown run {run!r}: none or model")
    merged = {**{k: v for k, v in previous.items() if k not in results}, **results}

    commit = jixiao_commit(jixiao)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {"subset": stems, "jixiao": jixiao, "commit": commit, "runs": merged},
            ensure_ascii=False,
            indent=1,
            default=str,
        )
        + "\n",
        encoding="utf-8",
    )

    columns = {}
    if args.baseline.exists():
        base = json.loads(args.baseline.read_text(encoding="utf-8"))
        if base.get("subset") != stems:
            print(f"note: {args.baseline} was made on another subset", file=sys.stderr)
        columns[f"langextract ({base.get('model')})"] = base["summary"]
    for name, entry in merged.items():
        columns[name] = entry["summary"]
    print()
    print(f"{len(stems)} reports of {args.subset.name}; jixiao = {jixiao} @ {commit}")
    print(table(columns))
    print(f"\nwritten: {args.out}; jixiao outputs in {work}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
