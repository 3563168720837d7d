"""Export stays light: reading an output folder needs no LLM client."""

from __future__ import annotations

import subprocess
import sys


def test_export_imports_neither_openai_nor_instructor() -> None:
    probe = (
        "import sys, jixiao.review.export; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'openai', 'instructor'}), "
        "sorted(m for m in sys.modules if m in ('jixiao.pipeline', 'jixiao.llm')))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[] []"


def test_export_refuses_a_folder_without_reports(tmp_path) -> None:
    import pytest
    from typer.testing import CliRunner

    from jixiao.cli import app
    from jixiao.errors import ReviewError
    from jixiao.review.export import export

    with pytest.raises(ReviewError, match="没有报告"):
        export(tmp_path)
    result = CliRunner().invoke(app, ["export", str(tmp_path)])
    assert result.exit_code == 2 and "没有报告" in result.output


def test_export_says_how_many_flagged_fields_are_undecided(examples_out, tmp_path) -> None:
    from jixiao.review.export import export

    result = export(examples_out, tmp_path / "export")
    assert result.reports == 4 and result.open_fields > 0
    assert (tmp_path / "export" / "flags.csv").read_text("utf-8-sig").startswith("单位名称,")
