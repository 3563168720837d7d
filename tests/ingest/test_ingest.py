"""Ingest's entry points: a file's reader chosen by its suffix, what cannot be read named, folders walked."""

from __future__ import annotations

import json
from pathlib import Path

import docx
import pytest
from PIL import Image, ImageDraw, ImageFont

from conftest import EXAMPLES
from ingest_support import text_pdf
from jixiao.errors import IngestError
from jixiao.ingest import find_reports, read_source
from scans import FONT_PATHS

SAMPLE = "2024年度株洲市芦淞区文学艺术界联合会整体支出绩效自评报告\n一、部门（单位）基本情况\n在职人员4人，退休人员0人。\n"


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"   \n\n", "empty"),
        ("broken.docx", b"PK\x03\x04 this is not a zip", "not a readable .docx"),
        ("report.pdf", b"%PDF-1.4", "not a readable PDF"),
        ("report.xls", b"\xd0\xcf", "unsupported file type"),
    ],
)
def test_unreadable_files_name_the_reason(
    tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(IngestError) as error:
        read_source(path)
    assert reason in str(error.value)
    assert name in str(error.value)


def test_folders_are_walked_for_supported_files(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "r.txt").write_text(SAMPLE, encoding="utf-8")
    (tmp_path / "b.txt").write_text(SAMPLE, encoding="utf-8")
    (tmp_path / "notes.md").write_text("x", encoding="utf-8")
    found = find_reports([tmp_path])
    assert [path.relative_to(tmp_path).as_posix() for path, _ in found] == ["a/r.txt", "b.txt"]
    assert all(base == tmp_path for _, base in found)


def test_a_mixed_folder_reads_what_it_can_and_names_the_rest(tmp_path: Path, monkeypatch) -> None:

    from pypdf import PdfReader, PdfWriter
    from typer.testing import CliRunner

    from jixiao.cli import app

    for name in ("JIXIAO_BASE_URL", "JIXIAO_MODEL", "OPENAI_BASE_URL", "OPENAI_MODEL"):
        monkeypatch.delenv(name, raising=False)
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_bytes((EXAMPLES / "002_84a1d662e5590cf1.txt").read_bytes())
    document = docx.Document()
    document.add_paragraph("2024年度某某局部门整体支出绩效自评报告")
    document.add_paragraph("本单位编制人数25人，实有人数23人。")
    document.save(str(folder / "b.docx"))
    pdf = text_pdf(tmp_path, "2024年度某某局部门整体支出绩效自评报告\n基本支出1,000.00万元。")
    (folder / "c.pdf").write_bytes(pdf.read_bytes())
    font = ImageFont.truetype(next(p for p in FONT_PATHS if Path(p).exists()), 30)
    scan = Image.new("RGB", (1000, 200), "white")
    ImageDraw.Draw(scan).text(
        (30, 60), "2024年度某某局整体支出绩效自评报告 在职人员4人。", font=font, fill="black"
    )
    scan.save(folder / "d.png")
    (folder / "e.txt").write_bytes(b"")
    (folder / "f.docx").write_bytes(b"PK\x03\x04 not a document")
    writer = PdfWriter()
    for page in PdfReader(str(pdf)).pages:
        writer.add_page(page)
    writer.encrypt("secret")
    with (folder / "g.pdf").open("wb") as stream:
        writer.write(stream)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["extract", str(folder), "--out", str(out)])
    assert result.exit_code == 1, result.output
    summary = json.loads((out / "jixiao-run.json").read_text(encoding="utf-8"))
    status = {r["name"]: (r["status"], r["reason"]) for r in summary["reports"]}
    assert {n for n, (s, _) in status.items() if s == "done"} == {"a", "b", "c", "d"}
    assert status["e"] == ("failed", "the file is empty")
    assert "docx" in status["f"][1]
    assert status["g"] == ("failed", "the PDF is password-protected")
    scanned = json.loads((out / "d.json").read_text(encoding="utf-8"))
    assert scanned["source"]["ocr"] is True
    assert scanned["source"]["pages"][0]["confidence"] > 0.9
    assert scanned["report"]["staffing"]["actual"]["value"] == 4
