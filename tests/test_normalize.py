from jixiao.core import SourceDocument, SourceParagraph, SourceTable, TableCell, TableRow
from jixiao.normalize import is_chrome_line, normalize_document, normalize_text


def test_full_width_figures_become_ascii() -> None:
    assert normalize_text("收入８０．２５万元，执行率１００％。") == "收入80.25万元，执行率100%。\n"
    assert normalize_text("合计1，234．5元。") == "合计1,234.5元。\n"


def test_conversion_debris_is_removed() -> None:
    text = normalize_text("[bookmark: _GoBack]无其他需要说明的情况。\n\t[bookmark: _GoBack]43.76\n")
    assert "bookmark" not in text
    assert "无其他需要说明的情况。" in text
    assert "\t43.76" in text


def test_page_numbers_are_removed() -> None:
    long_line = "本单位严格执行预算管理制度，各项支出合法合规，资金使用效益不断提高，"
    text = normalize_text(f"{long_line}\n- 3 -\n第 4 页 共 10 页\n继续加强管理。\n")
    assert "- 3 -" not in text
    assert "第 4 页" not in text


def test_lines_broken_inside_a_figure_are_joined() -> None:
    assert normalize_text("收入合计80.\n25万元。") == "收入合计80.25万元。\n"
    assert normalize_text("截止2024年12月，共有人员18\n人。") == "截止2024年12月，共有人员18人。\n"


def test_lines_broken_inside_a_sentence_are_joined() -> None:
    first = "根据预算绩效管理要求，本单位组织对2024年度部门整体支出开展了绩效"
    assert normalize_text(f"{first}\n自评。") == f"{first}自评。\n"


def test_headings_and_list_items_are_not_joined() -> None:
    text = normalize_text("附件2\n2024年度部门（单位）整体支出绩效评价基础数据表\n一、基本情况\n")
    assert text.splitlines() == [
        "附件2",
        "2024年度部门（单位）整体支出绩效评价基础数据表",
        "一、基本情况",
    ]


def test_running_heads_are_removed() -> None:
    head = "某某局2024年度绩效自评报告"
    body = "正文内容" * 10
    text = normalize_text("\n".join([head, body + "。", head, body + "。", head, body + "。"]))
    assert head not in text


def test_docx_tables_render_as_flattened_rows_with_spans() -> None:
    document = SourceDocument(
        path="x.docx",
        sha256="0",
        format="docx",
        blocks=[
            SourceParagraph(text="一、基本情况"),
            SourceTable(
                rows=[
                    TableRow(cells=[TableCell(text="编制数"), TableCell(text="在职人数")]),
                    TableRow(cells=[TableCell(text="１４"), TableCell(text="14")]),
                ]
            ),
            SourceParagraph(text="二、支出情况"),
        ],
    )
    normalized = normalize_document(document)
    assert normalized.text == "一、基本情况\n\n\t编制数\n\t在职人数\n\n\t14\n\t14\n\n二、支出情况\n"
    (span,) = normalized.table_spans
    assert normalized.text[span.start : span.end] == "\t编制数\n\t在职人数\n\n\t14\n\t14"


def test_radical_look_alikes_from_pdf_fonts_become_the_characters() -> None:
    # Kangxi radicals (NFKC folds them) and simplified radical forms (listed by name)
    assert (
        normalize_text("在职⼈数4⼈，⺠间艺术，⻓期，⻔户").strip()
        == "在职人数4人，民间艺术，长期，门户"
    )
    assert normalize_text("收入80.25万元").strip() == "收入80.25万元"


def test_repeated_table_cells_are_not_running_heads() -> None:
    # A one-cell-per-line table repeats its cells ("25 |", "其中:省财政 |"); they are
    # data. A repeated title line with its year is still a running head.
    raw = "".join(
        f"某某局2031年度绩效自评报告\n其中:省财政 |\n25 |\n第{page}段正文内容正文内容正文内容正文内容正文内容。\n"
        for page in range(3)
    )
    text = normalize_text(raw)
    assert text.count("25 |") == 3
    assert text.count("其中:省财政 |") == 3
    assert "某某局2031年度绩效自评报告" not in text


def test_portal_chrome_and_wrapper_lines_are_recognised_and_kept() -> None:
    for line in (
        "当前位置: 首页 > 信息公开 > 财政资金",
        "索引号: 000111222/2031-00042",
        "發(fā)布機(jī)構(gòu) | 某某县财政局",
        "某某局2019年绩效报告及附表.docx",
        "上传人:张** 文档编号:123456",
        "某某官网 > 信息公开",
    ):
        assert is_chrome_line(line), line
    for line in ("某某县林业站2026年度项目支出绩效自评报告", "部门(单位)名称: 某某区档案馆"):
        assert not is_chrome_line(line), line
    # a long title is not joined with the portal line after it, and both stay
    title = "某某县水产服务中心2029年度部门整体支出绩效自评情况报告"
    text = normalize_text(f"{title}\n发布时间:2031-03-05 09:30\n")
    assert text.splitlines() == [title, "发布时间:2031-03-05 09:30"]
