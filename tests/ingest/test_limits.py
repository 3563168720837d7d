"""Hostile and oversized inputs are refused early, naming the file, the limit and how to
raise it; nothing is decoded or unpacked first."""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import pytest
from PIL import Image

from jixiao.errors import IngestError
from jixiao.ingest import read_source
from jixiao.ingest.limits import InputLimits


def _docx(path: Path, text: str = "2031年度某某县档案馆整体支出绩效自评报告") -> Path:
    document = docx.Document()
    document.add_paragraph(text)
    document.save(str(path))
    return path


def test_a_good_docx_passes_the_archive_checks(tmp_path: Path) -> None:
    document = read_source(_docx(tmp_path / "good.docx"))
    assert document.format == "docx"


def test_a_zip_bomb_docx_is_refused_before_it_is_unpacked(tmp_path: Path) -> None:
    bomb = _docx(tmp_path / "bomb.docx")
    with zipfile.ZipFile(bomb, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/media/padding.bin", b"\0" * 30_000_000)  # packs ~1000:1
    with pytest.raises(IngestError) as error:
        read_source(bomb)
    assert "bomb.docx" in str(error.value)
    assert "JIXIAO_MAX_ZIP_RATIO" in error.value.reason


def test_an_entity_bomb_docx_is_refused_with_a_reason(tmp_path: Path) -> None:
    bomb = _docx(tmp_path / "laughs.docx")
    entities = "".join(
        f'<!ENTITY l{n} "{"&l" + str(n - 1) + ";" * 1 if n else "lol"}'
        + (f"&l{n - 1};" * 9 if n else "")
        + '">'
        for n in range(10)
    )
    body = (
        f'<?xml version="1.0"?><!DOCTYPE w:document [{entities}]>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        "<w:body><w:p><w:r><w:t>&l9;</w:t></w:r></w:p></w:body></w:document>"
    )
    parts = {}
    with zipfile.ZipFile(bomb) as archive:
        for name in archive.namelist():
            parts[name] = archive.read(name)
    parts["word/document.xml"] = body.encode("utf-8")
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    with pytest.raises(IngestError) as error:
        read_source(bomb)
    assert "laughs.docx" in str(error.value)


def test_a_decompression_bomb_image_is_refused_from_its_header(tmp_path: Path) -> None:
    huge = tmp_path / "huge.png"
    Image.new("1", (20000, 20000)).save(huge)  # a few KB on disk, 400 million pixels
    with pytest.raises(IngestError) as error:
        read_source(huge)
    assert "huge.png" in str(error.value) and "JIXIAO_MAX_PIXELS" in error.value.reason


def test_limits_are_raised_from_the_environment(tmp_path: Path, monkeypatch) -> None:
    big = tmp_path / "big.txt"
    big.write_text("收入合计100万元。\n" * 200_000, encoding="utf-8")  # ~4.6 MB
    monkeypatch.setenv("JIXIAO_MAX_FILE_MB", "1")
    assert InputLimits.from_environment().file_mb == 1
    with pytest.raises(IngestError) as error:
        read_source(big)
    assert "JIXIAO_MAX_FILE_MB" in error.value.reason and "超过限制" in error.value.reason
    monkeypatch.setenv("JIXIAO_MAX_FILE_MB", "10")
    assert read_source(big).format == "txt"
