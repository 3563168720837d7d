from pathlib import Path

from jixiao.core import BlockKind, NormalizedText
from jixiao.ingest import read_source
from jixiao.normalize import normalize_document, normalize_text
from jixiao.segment import build_sections, heading_style, segment


def _blocks(path: Path):
    normalized = normalize_document(read_source(path))
    return normalized.text, segment(normalized)


def test_heading_styles() -> None:
    assert heading_style("一、部门（单位）基本情况") == "cn"
    assert heading_style("（一）基本支出情况") == "cn_paren"
    assert heading_style("1、 基本情况") == "arabic"
    assert heading_style("（1）存在的问题") == "arabic_paren"
    assert heading_style("附件2") == "annex"
    # list items and sentences are not headings
    assert heading_style("1.2024年预算资金69.89万元。") is None
    assert heading_style("（四）主管、主办本区文联文艺刊物。") is None
    assert heading_style("\t一、表格里的单元格") is None


def test_sections_nest_by_numbering(example_paths) -> None:
    text, blocks = _blocks(example_paths[0])
    paths = [" > ".join(section.path) for section in build_sections(text, blocks)]
    assert "二、一般公共预算支出情况 > （一）基本支出情况" in paths
    assert "六、资金使用及绩效情况（包含单位管理的公共专项） > （二）项目支出绩效情况" in paths
    assert "附件3" in paths


def test_a_later_outer_heading_closes_inner_levels(example_paths) -> None:
    # 002 opens with "1、 基本情况" and later uses "二、": both are top level.
    text, blocks = _blocks(example_paths[2])
    levels = {text[b.start : b.end]: b.level for b in blocks if b.kind is BlockKind.HEADING}
    assert levels["1、 基本情况"] == 1
    assert levels["二、绩效运行监控工作开展情况"] == 1
    assert levels["（1） 部门整体情况"] == 2


def test_flattened_table_rows_and_cells(example_paths) -> None:
    text, blocks = _blocks(example_paths[0])
    tables = [b for b in blocks if b.kind is BlockKind.TABLE]
    assert len(tables) == 2
    staffing = tables[0]
    assert [c.text for c in staffing.rows[0]] == [
        "财政供养人员情况（人）",
        "编制数",
        "2024年实际在职人数",
        "控制率",
    ]
    assert [c.text for c in staffing.rows[1]] == ["", "4", "4", "100%"]
    for row in staffing.rows:
        for cell in row:
            if cell.text and "\n" not in cell.text:
                assert text[cell.start : cell.end] == cell.text


def test_a_cell_split_by_a_blank_line_stays_in_its_row(example_paths) -> None:
    _, blocks = _blocks(example_paths[0])
    self_evaluation = [b for b in blocks if b.kind is BlockKind.TABLE][1]
    benefit_row = next(
        row for row in self_evaluation.rows if len(row) > 1 and row[1].text.startswith("效益指标")
    )
    assert "（20分）" in benefit_row[1].text
    assert [c.text for c in benefit_row[2:6]] == ["经济效\n益指标", "文化旅游", "发展", "发展"]
    assert self_evaluation.rows[-1][0].text == "总分"


def test_piped_tables() -> None:
    text = normalize_text(
        "一、资金情况\n| 项目 | 年初预算 | 执行数 |\n|---|---|---|\n| 文艺扶持 | 3 | 10.15 |\n"
    )
    blocks = segment(NormalizedText(text=text))
    (table,) = [b for b in blocks if b.kind is BlockKind.TABLE]
    assert [c.text for c in table.rows[0]] == ["项目", "年初预算", "执行数"]
    assert [c.text for c in table.rows[1]] == ["文艺扶持", "3", "10.15"]
    assert text[table.rows[1][2].start : table.rows[1][2].end] == "10.15"
