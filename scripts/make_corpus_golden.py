"""Promote reports of the labelled development corpus into the golden set.

Usage: python scripts/make_corpus_golden.py [--corpus ../shared/corpus] STEM [STEM ...]

For each corpus report `STEM` (cNNN), writes `golden/corpus-STEM/report.txt` (the excerpt
as archived) and `expected.json`: the truth read from the corpus's own labels (value and
verbatim quote per labelled field; money in 万元 with the labels' exact digits), every
other field path of the contract `null` (the labels record only what the excerpt states).
Recordings are made afterwards with `jixiao record golden/corpus-STEM` against a real
model, and the baseline with `jixiao regress golden/ --update-baseline`.
"""

from __future__ import annotations

import argparse
import json
import shutil
from decimal import Decimal
from pathlib import Path

from jixiao.catalog import load_catalog
from jixiao.output import dumps

ROOT = Path(__file__).resolve().parent.parent


def expected_from_labels(stem: str, labels: dict) -> dict:
    catalog = load_catalog()
    fields: dict[str, dict | None] = {path: {"value": None} for path in catalog.all_paths}
    for path, label in labels["fields"].items():
        if path not in fields:
            raise SystemExit(f"{stem}: label {path} is not a field of the contract")
        value = label["value"]
        if isinstance(value, Decimal):
            value = format(value, "f")
        fields[path] = {"value": value, "quote": label["quote"]}
    return {
        "case": f"corpus-{stem}",
        "seed": f"shared/corpus/{stem}.txt",
        "variant_of": None,
        "reviewed": "truth from the corpus labels (verbatim quotes, money in 万元); "
        "fields the labels leave out are null (lists are not labelled: an extracted list "
        "shows as extra)",
        "notes": " ".join(labels.get("notes", [])),
        "fields": fields,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("stems", nargs="+")
    args = parser.parse_args()
    for stem in args.stems:
        labels = json.loads(
            (args.corpus / f"{stem}.json").read_text(encoding="utf-8"), parse_float=Decimal
        )
        case = ROOT / "golden" / f"corpus-{stem}"
        case.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(args.corpus / f"{stem}.txt", case / "report.txt")
        (case / "expected.json").write_text(
            dumps(expected_from_labels(stem, labels)), encoding="utf-8"
        )
        print(f"{case}: {len(labels['fields'])} labelled fields")


if __name__ == "__main__":
    main()
