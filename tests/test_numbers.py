from decimal import Decimal

from jixiao.core import BlockKind, NormalizedText
from jixiao.normalize import normalize_text
from jixiao.numbers import index_numbers
from jixiao.segment import segment


def _index(raw: str):
    text = normalize_text(raw)
    tables = [b for b in segment(NormalizedText(text=text)) if b.kind is BlockKind.TABLE]
    return text, index_numbers(text, tables)


def test_prose_labels_are_the_words_before_the_figure_in_its_clause() -> None:
    text, entries = _index(
        "3.2024年度单位一般公共预算财政拨款支出80.25万元其中：项目支出10.15万元，基本支出70.1万元。\n"
    )
    money = [e for e in entries if e.kind == "money"]
    assert [(e.label, e.wanyuan) for e in money] == [
        ("2024年度单位一般公共预算财政拨款支出", Decimal("80.25")),
        ("项目支出", Decimal("10.15")),
        ("基本支出", Decimal("70.1")),
    ]
    for entry in entries:
        assert text[entry.start : entry.end] == entry.text
    # the list marker "3." glued to the year is not a figure
    assert [e.text for e in entries if e.kind == "year"] == ["2024年"]
    assert not [e for e in entries if e.value == Decimal("3.2024")]


def test_a_figure_after_a_colon_takes_the_words_before_the_colon() -> None:
    _, entries = _index("其中：一般公共预算：598.25万元；政府性基金拨款：16万元\n")
    assert [(e.label, e.wanyuan) for e in entries] == [
        ("一般公共预算", Decimal("598.25")),
        ("政府性基金拨款", Decimal("16")),
    ]


def test_table_cells_get_row_and_column_headers_and_the_table_unit() -> None:
    raw = (
        "（单位：元）\n"
        "\t项目\n\t年初预算数\n\t全年执行数\n\t执行率\n\n"
        "\t合计\n\t1,250,000.00\n\t1,287,000.00\n\t99%\n"
    )
    _, entries = _index(raw)
    cells = [(e.row_label, e.column_label, e.kind, e.wanyuan or e.value) for e in entries]
    assert cells == [
        ("合计", "年初预算数", "money", Decimal("125")),
        ("合计", "全年执行数", "money", Decimal("128.7")),
        ("合计", "执行率", "percent", Decimal("99")),
    ]


def test_score_columns_do_not_take_the_money_unit() -> None:
    raw = "\t年度预算（万元）\n\t年初预算数\n\t分值\n\t得分\n\n\t年度资金总额\n\t69.89\n\t10\n\t9\n"
    _, entries = _index(raw)
    kinds = {e.column_label: e.kind for e in entries}
    assert kinds == {"年初预算数": "money", "分值": "plain", "得分": "plain"}


def test_dates_phones_years_and_counts_are_told_apart() -> None:
    _, entries = _index(
        "填报日期：2025.10.10  联系电话：28580500\n截止2024年12月，共有人员18人，开展活动50余场，≥5场。\n"
    )
    described = [(e.text, e.kind) for e in entries]
    assert ("2025.10.10", "date") in described
    assert ("28580500", "plain") in described
    assert ("2024年12月", "date") in described
    assert ("18人", "count") in described
    qualified = next(e for e in entries if e.text == "50余场")
    assert qualified.qualifier == "余"
    at_least = next(e for e in entries if e.text == "≥5场")
    assert at_least.comparator == ">="


def test_figures_with_spaces_inside() -> None:
    _, entries = _index("收入合计1 234.56万元，支出80. 25万元。\n")
    assert [e.wanyuan for e in entries] == [Decimal("1234.56"), Decimal("80.25")]


def test_a_figure_alone_on_its_line_takes_the_short_line_above_as_label() -> None:
    # One cell per line, "|" closing each cell, rule lines between rows.
    _, entries = _index(
        "联系人 |\n周小青 |\n||||||\n人员编制 |\n57 |\n实有人数 |\n55 |\n||||||\n"
        "实际使用情况(万元)\n\n218.4\n"
    )
    read = [(e.label, e.in_table, e.kind, e.value) for e in entries]
    assert read == [
        ("人员编制", True, "plain", Decimal("57")),
        ("实有人数", True, "plain", Decimal("55")),
        ("实际使用情况(万元)", True, "money", Decimal("218.4")),
    ]


def test_no_line_above_label_under_a_header_run_or_a_heading() -> None:
    # Under a run of column headers the figures belong to their columns (the forms
    # reader places them), and a heading does not label the figure below it.
    _, entries = _index("全年预算数\n全年执行数\n62.3\n\n一、基本情况\n\n27\n")
    assert [(e.label, e.in_table) for e in entries] == [("", False), ("", False)]


def test_a_staffing_cell_under_its_label_line_is_read_and_a_lookalike_is_not(
    tmp_path,
) -> None:
    from jixiao.catalog import load_catalog
    from jixiao.core import FieldStatus
    from jixiao.pipeline import prepare, settle_report
    from jixiao.settings import Settings

    path = tmp_path / "r.txt"
    path.write_text(
        "某某县青柳镇文化站2031年度部门整体支出绩效评价自评报告\n"
        "一、部门(单位)基本概况 |\n||||||\n实有人数 |\n55 |\n临时聘用人员 |\n9 |\n||||||\n",
        encoding="utf-8",
    )
    catalog = load_catalog()
    fields, _ = settle_report(catalog, prepare(path, Settings(), catalog), [])
    actual = fields["staffing.actual"]
    assert (actual.value, actual.status) == (55, FieldStatus.OK)
def test_figures_after_an_enumeration_marker_inside_a_sentence_are_sub_items() -> None:
    _, entries = _index(
        "累计支付资金733.4万元，资金执行率61.2%。\n"
        "分别为①甲乡补助支付310万元，资金执行率40%；②乙乡补助未支付，资金执行率为0%。\n"
        "年初预算资金为412.6万元，其中：1.本级资金为401.5万元。2.上级资金为11.1万元。支出合计412.6万元。\n"
        "1.基本支出300.2万元。2.项目支出112.4万元。\n"
    )
    items = {e.text: e.item for e in entries if e.kind in ("money", "percent")}
    # the totals the sentences begin with, and list lines numbered from their start
    assert not items["733.4万元"] and not items["61.2%"] and not items["300.2万元"]
    assert items["40%"] and items["0%"] and items["310万元"]
    # 其中：1.… and the sentence that goes on its numbering (2.…), not the next total
    assert items["401.5万元"] and items["11.1万元"]
    assert [e.item for e in entries if e.text == "412.6万元"] == [False, False]


def test_formula_constants_are_marked() -> None:
    _, entries = _index("| 全年执行数(B) | 预算执行率(B/A×100%) |\n得分=(20分*执行率)。执行率为97%。\n")
    marked = {e.text: e.in_formula for e in entries}
    assert marked["100%"] and marked["20分"]
    assert not marked["97%"]
