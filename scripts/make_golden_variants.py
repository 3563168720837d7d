"""Build the format variants of the golden corpus from the bundled example reports.

Usage: python scripts/make_golden_variants.py   (writes golden/<case>/report.*)

Real users send the same report as Word files with real tables, as GB18030 text, as
text whose tables were flattened with `|` separators, and as scans. This script makes those from the
seeds: docx from the seed's paragraphs and tables (rows with fewer cells get their first
cell merged across, as Word forms do), GB18030 by re-encoding, `|` tables by rewriting
each flattened table a row per line, scans with tests/scans.py (skew, blur, noise, JPEG,
a page upside down) wrapped into an image-only PDF. Run it once per new case; the outputs are
committed, with recordings made by `jixiao record` against them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import docx

from jixiao.core import BlockKind, NormalizedText
from jixiao.ingest import read_source
from jixiao.normalize import normalize_document
from jixiao.segment import segment

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from scans import scanned_pdf  # noqa: E402  (the test suite's messy-scan generator)

EXAMPLES = ROOT / "examples"
GOLDEN = ROOT / "golden"

SEEDS = {
    "lusong-arts-2024": "000_76118bcffa81813f.txt",
    "shifeng-arts-2023": "001_ff46524d0f176dc8.txt",
    "lingling-arts-2024": "002_84a1d662e5590cf1.txt",
    "lusong-propaganda-2024": "003_6f9e6739ce5cdaa5.txt",
}
VARIANTS = {
    "lusong-arts-2024-docx": ("lusong-arts-2024", "docx"),
    "shifeng-arts-2023-docx": ("shifeng-arts-2023", "docx"),
    "lusong-propaganda-2024-gb18030": ("lusong-propaganda-2024", "gb18030"),
    "lusong-arts-2024-piped": ("lusong-arts-2024", "piped"),
    "shifeng-arts-2023-scan": ("shifeng-arts-2023", "scan"),
    "lingling-arts-2024-scan": ("lingling-arts-2024", "scan"),
}


def _blocks(seed: Path) -> tuple[str, list]:
    normalized = normalize_document(read_source(seed))
    return normalized.text, segment(NormalizedText(text=normalized.text))


def write_docx(seed: Path, target: Path) -> None:
    text, blocks = _blocks(seed)
    document = docx.Document()
    for block in blocks:
        if block.kind is not BlockKind.TABLE:
            document.add_paragraph(text[block.start : block.end].strip())
            continue
        columns = max(len(row) for row in block.rows)
        table = document.add_table(rows=len(block.rows), cols=columns)
        for row_number, row in enumerate(block.rows):
            span = columns - len(row) + 1
            cells = table.rows[row_number].cells
            if span > 1:
                cells[0].merge(cells[span - 1])
            for position, cell in enumerate(row):
                column = 0 if position == 0 else span - 1 + position
                table.cell(row_number, column).text = cell.text
    document.save(str(target))


def write_piped(seed: Path, target: Path) -> None:
    text, blocks = _blocks(seed)
    pieces, cursor = [], 0
    for block in blocks:
        if block.kind is not BlockKind.TABLE:
            continue
        pieces.append(text[cursor : block.start])
        for row in block.rows:
            cells = [" ".join(cell.text.split()) for cell in row]
            pieces.append("| " + " | ".join(cells) + " |\n")
        cursor = block.end + 1
    pieces.append(text[cursor:])
    target.write_text("".join(pieces), encoding="utf-8")


def main() -> None:
    for case, seed_name in SEEDS.items():
        folder = GOLDEN / case
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "report.txt").write_bytes((EXAMPLES / seed_name).read_bytes())
    for case, (seed_case, kind) in VARIANTS.items():
        folder = GOLDEN / case
        folder.mkdir(parents=True, exist_ok=True)
        seed = EXAMPLES / SEEDS[seed_case]
        if kind == "docx":
            write_docx(seed, folder / "report.docx")
        elif kind == "gb18030":
            raw = seed.read_text(encoding="utf-8").replace("\xa0", " ")
            (folder / "report.txt").write_bytes(raw.encode("gb18030"))
        elif kind == "scan":  # a messy image-only PDF, its second page upside down
            scanned_pdf(seed, folder / "report.pdf", seed=len(case), turn_page=1)
        else:
            write_piped(seed, folder / "report.txt")
        print(f"{case}: {kind} of {seed_case}")


if __name__ == "__main__":
    main()
