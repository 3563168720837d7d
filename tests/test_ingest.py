from pathlib import Path

import docx
import pytest

from jixiao.core import SourceParagraph, SourceTable
from jixiao.ingest import IngestError, decode_text, find_reports, read_source

SAMPLE = "2024年度株洲市芦淞区文学艺术界联合会整体支出绩效自评报告\n一、部门（单位）基本情况\n在职人员4人，退休人员0人。\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16"])
def test_text_encodings_are_detected(tmp_path: Path, encoding: str, example_paths) -> None:
    original = example_paths[1].read_text(encoding="utf-8")
    if encoding == "gbk":  # GBK has no no-break space; everything else in the seed fits
        original = original.replace("\xa0", " ")
    path = tmp_path / "report.txt"
    path.write_bytes(original.encode(encoding))
    source = read_source(path)
    assert source.text == original
    assert source.format == "txt"


def test_decode_short_gb18030() -> None:
    text, encoding = decode_text(SAMPLE.encode("gb18030"))
    assert text == SAMPLE
    assert encoding == "gb18030"


def test_docx_paragraphs_and_tables_in_order(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("一、基本情况")
    table = document.add_table(rows=2, cols=3)
    for column, header in enumerate(["编制数", "实际在职人数", "控制率"]):
        table.cell(0, column).text = header
    for column, value in enumerate(["14", "14", "100%"]):
        table.cell(1, column).text = value
    document.add_paragraph("二、支出情况")
    path = tmp_path / "report.docx"
    document.save(str(path))

    source = read_source(path)
    assert source.format == "docx"
    kinds = [type(block) for block in source.blocks]
    assert kinds == [SourceParagraph, SourceTable, SourceParagraph]
    table_block = source.blocks[1]
    assert [cell.text for cell in table_block.rows[1].cells] == ["14", "14", "100%"]


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


def test_binary_text_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "binary.txt"
    path.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(IngestError):
        read_source(path)


def test_folders_are_walked_for_supported_files(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "r.txt").write_text(SAMPLE, encoding="utf-8")
    (tmp_path / "b.txt").write_text(SAMPLE, encoding="utf-8")
    (tmp_path / "notes.md").write_text("x", encoding="utf-8")
    found = find_reports([tmp_path])
    assert [path.relative_to(tmp_path).as_posix() for path, _ in found] == ["a/r.txt", "b.txt"]
    assert all(base == tmp_path for _, base in found)
