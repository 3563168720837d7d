"""Promote refuses what is not reviewed; golden and the rest of the library stay apart
from review."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from jixiao.errors import ReviewError
from jixiao.review.promote import promote_report
from jixiao.settings import Settings


def test_a_report_with_undecided_flagged_fields_is_not_promoted(
    examples_out: Path, tmp_path: Path
) -> None:
    name = sorted(p.stem for p in examples_out.glob("0*.json"))[0]
    with pytest.raises(ReviewError, match="还有待审字段未处理"):
        promote_report(examples_out, name, tmp_path / "case", Settings())
    with pytest.raises(ReviewError, match="中没有报告"):
        promote_report(examples_out, "nope", tmp_path / "case", Settings())
    assert not (tmp_path / "case").exists()


def test_only_the_cli_imports_review() -> None:
    importers = [
        path.relative_to(ROOT).as_posix()
        for path in sorted((ROOT / "src" / "jixiao").rglob("*.py"))
        if "review" not in path.relative_to(ROOT / "src" / "jixiao").parts[:-1]
        and path.name != "cli.py"
        and re.search(r"^\s*(from|import) jixiao\.review\b", path.read_text("utf-8"), re.M)
    ]
    assert importers == []
    probe = "import sys, jixiao.golden; print('jixiao.review' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.stdout.strip() == "False", done.stderr
