"""Word reader: paragraphs and tables in document order."""

from __future__ import annotations

from pathlib import Path

import docx

from jixiao.core import SourceParagraph, SourceTable
from jixiao.ingest import read_source


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
