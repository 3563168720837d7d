"""Old Word reader: .doc/.wps through LibreOffice."""

from __future__ import annotations

import shutil
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
