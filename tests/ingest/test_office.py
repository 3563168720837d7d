"""Old Word reader: .doc/.wps through LibreOffice."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import pytest

from jixiao.errors import IngestError
from jixiao.ingest import read_source


def test_old_word_files_name_the_missing_converter(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "report.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(IngestError, match="LibreOffice"):
        read_source(path)


def _fake_soffice(folder: Path, fails: bool = False) -> str:
    """A stand-in for LibreOffice: "converts" by writing a docx into --outdir."""
    script = folder / "soffice"
    script.write_text(
        f"#!{sys.executable}\n"
        "import sys\n"
        "from pathlib import Path\n"
        "import docx\n"
        f"if {fails}: sys.exit(1)\n"
        "args = sys.argv[1:]\n"
        "outdir, source = Path(args[args.index('--outdir') + 1]), Path(args[-1])\n"
        "document = docx.Document()\n"
        "document.add_paragraph('2024年度某某局部门整体支出绩效自评报告')\n"
        "document.save(str(outdir / (source.stem + '.docx')))\n",
        encoding="utf-8",
    )
    script.chmod(0o755)
    return str(script)


@pytest.mark.parametrize("fails", [False, True], ids=["converted", "conversion fails"])
def test_the_conversion_folder_is_always_removed(tmp_path: Path, monkeypatch, fails: bool) -> None:
    path = tmp_path / "report.wps"
    path.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    office = _fake_soffice(tmp_path, fails)
    monkeypatch.setattr(shutil, "which", lambda name: office)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    if fails:
        with pytest.raises(IngestError, match="LibreOffice could not convert"):
            read_source(path)
    else:
        document = read_source(path)
        assert document.format == "doc"
        assert document.blocks[0].text == "2024年度某某局部门整体支出绩效自评报告"
    assert list(scratch.iterdir()) == []
