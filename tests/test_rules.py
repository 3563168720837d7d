"""Rules-only extraction on layouts unlike the bundled examples.

The reports below are written for these tests (their truth is what they print): a
project-level report with a `|` table in 元, and a unit report whose text has no line
breaks and whose figures have spaces inside.
"""

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jixiao.catalog import load_catalog
from jixiao.core import FieldStatus
from jixiao.pipeline import prepare, settle_report
from jixiao.rules import mentions
from jixiao.settings import Settings

PROJECT_REPORT = """2023年度某某县农业农村局高标准农田建设项目支出绩效自评报告
一、项目基本情况
项目资金来源为中央和省级财政补助资金，用于新建高标准农田。
二、项目资金情况
（单位：元）
| 项目名称 | 年初预算数 | 全年预算数 | 全年执行数 | 执行率 |
|---|---|---|---|---|
| 合计 | 1,250,000.00 | 1,300,000.00 | 1,287,000.00 | 99% |
三、绩效目标完成情况
项目自评得分92分，评价等级为优。
填表人：王明  联系电话：0731-2233445
"""

ONE_LINE_REPORT = (
    "2024年度某某市统计局部门整体支出绩效自评报告一、基本情况本单位编制人数25人，实有人数23人，"
    "退休人员8人。二、预算执行情况2024年收入合计1 234.56万元，其中一般公共预算财政拨款收入"
    "1 200.00万元，其他资金34.56万元。支出合计1,234.56万元，其中基本支出1,000.00万元，"
    "项目支出234.56万元。预算执行率为100%。经调查，满意占92%，基本满意占6%，不满意占2%。"
)


def _rules_only(tmp_path: Path, text: str, encoding: str = "utf-8"):
    path = tmp_path / "report.txt"
    path.write_bytes(text.encode(encoding))
    catalog = load_catalog()
    prepared = prepare(path, Settings(), catalog)
    fields, flags = settle_report(catalog, prepared, [])
    return fields, flags


def test_project_report_with_a_piped_table_in_yuan(tmp_path: Path) -> None:
    fields, flags = _rules_only(tmp_path, PROJECT_REPORT)
    expected = {
        "report_kind": "project",
        "fiscal_year": 2023,
        "funds.budget_initial": Decimal("125"),
        "funds.budget_full_year": Decimal("130"),
        "funds.expenditure_total": Decimal("128.7"),
        "funds.execution_rate": Decimal("99"),
        "score.total": Decimal("92"),
        "score.grade": "优",
        "filing.preparer": "王明",
        "filing.phone": "0731-2233445",
    }
    for path, value in expected.items():
        assert fields[path].value == value, path
        assert fields[path].status is FieldStatus.OK, (path, fields[path].flags)
    # the title names a project, not a unit: no unit name is made up
    assert fields["unit_name"].value is None
    assert not [f for f in flags if f.severity == "error"]


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_text_with_no_line_breaks_and_spaced_figures(tmp_path: Path, encoding: str) -> None:
    fields, flags = _rules_only(tmp_path, ONE_LINE_REPORT, encoding)
    expected = {
        "unit_name": "某某市统计局",
        "fiscal_year": 2024,
        "staffing.authorized": 25,
        "staffing.actual": 23,
        "staffing.retired": 8,
        "funds.income_total": Decimal("1234.56"),
        "funds.general_budget_income": Decimal("1200"),
        "funds.other_funds": Decimal("34.56"),
        "funds.expenditure_total": Decimal("1234.56"),
        "funds.basic": Decimal("1000"),
        "funds.project": Decimal("234.56"),
        "funds.execution_rate": Decimal("100"),
        "satisfaction.satisfied": Decimal("92"),
        "satisfaction.basic": Decimal("6"),
        "satisfaction.unsatisfied": Decimal("2"),
    }
    for path, value in expected.items():
        assert fields[path].value == value, path
        assert fields[path].status is FieldStatus.OK, (path, fields[path].flags)
    assert flags == []


def test_inconsistent_figures_are_flagged_never_fixed(tmp_path: Path) -> None:
    broken = ONE_LINE_REPORT.replace("项目支出234.56万元", "项目支出243.56万元").replace(
        "不满意占2%", "不满意占3%"
    )
    fields, flags = _rules_only(tmp_path, broken)
    codes = {f.code: f for f in flags}
    assert codes["sum_basic_project"].severity == "error"
    assert "9" in codes["sum_basic_project"].message  # the difference is named
    assert codes["sum_satisfaction"].severity == "error"
    assert fields["funds.project"].value == Decimal("243.56")  # the printed figure stays


def test_lookalike_labels_do_not_fill_a_field(tmp_path: Path) -> None:
    text = (
        "2024年度某某局部门整体支出绩效自评报告\n"
        "一、基本情况\n"
        "资金到位率100%，项目完成率95%。离休人员3人。\n"
        "本报告发布日期为2025年3月1日。\n"
    )
    fields, _ = _rules_only(tmp_path, text)
    assert fields["funds.execution_rate"].value is None  # 到位率 / 完成率 are not 执行率
    assert fields["staffing.retired"].value is None  # 离休 is not 退休
    assert fields["fiscal_year"].value == 2024  # not the 发布日期 year


def test_find_word_tolerates_one_misread_character_only_in_ocr_text() -> None:
    from jixiao.rules import find_word

    text = "1、基本情况\n（1）部内整体情况\n"
    assert find_word("部门整体情况", text) is None
    assert find_word("部门整体情况", text, ocr=True) == text.index("部内整体情况")
    assert find_word("部门整体情况", "（1）部内整休情况", ocr=True) is None  # two misreads
    assert find_word("部门整体情况", "内门整体情况", ocr=True) is None  # first character differs
    assert find_word("整体支出", "整休支出", ocr=True) is None  # too short to guess
    assert find_word("部门整体情况", "见部门整体情况", ocr=True) == 1


def _one_substitution_at(word: str, text: str) -> int | None:
    """The plain reading of find_word's OCR rule: first offset whose slice keeps the first
    and last characters and differs from `word` in at most one character."""
    if word in text:
        return text.index(word)
    for at in range(len(text) - len(word) + 1):
        piece = text[at : at + len(word)]
        ends_kept = piece[0] == word[0] and piece[-1] == word[-1]
        if ends_kept and sum(a != b for a, b in zip(piece, word, strict=True)) <= 1:
            return at
    return None


@given(
    word=st.text(alphabet="部门整体情况内休", min_size=5, max_size=7),
    text=st.text(alphabet="部门整体情况内休见（1）", max_size=30),
)
def test_find_word_in_ocr_text_is_the_one_substitution_rule(word: str, text: str) -> None:
    from jixiao.rules import find_word

    assert find_word(word, text, ocr=True) == _one_substitution_at(word, text)


# --- report identity: title, kind, unit name, fiscal year --------------------------------
# Each text shows a layout of real web pages and forms with made-up units and figures.


def _identity(tmp_path: Path, text: str) -> dict:
    fields, _ = _rules_only(tmp_path, text)
    return {
        path: (fields[path].value, fields[path].status)
        for path in ("report_kind", "unit_name", "fiscal_year")
    }


OK, FLAGGED, MISSING = FieldStatus.OK, FieldStatus.FLAGGED, FieldStatus.MISSING

PORTAL_PAGE = """当前位置: 首页 > 信息公开 > 财政资金
索引号: 000111222/2031-00042
发布机构: 某某县财政局
发布日期: 2031-03-05
某某县水产服务中心2029年度部门整体支出绩效自评报告发布时间:2031-03-05 09:30 浏览次数: 12
一、部门概况
本中心编制人数12人。
"""


def test_title_found_past_portal_chrome_and_the_publisher_is_not_the_unit(
    tmp_path: Path,
) -> None:
    got = _identity(tmp_path, PORTAL_PAGE)
    assert got["fiscal_year"] == (2029, OK)  # never the publishing year 2031
    assert got["report_kind"] == ("unit", OK)
    # named by the report's own title; never the portal's publisher
    assert got["unit_name"] == ("某某县水产服务中心", OK)


FORM_IN_TABLE_ROWS = """某某渔业补助资金绩效目标自评表 | ||||||
(2028年度) | ||||||
转移支付(项目)名称 | 某某渔业补助资金 | |||||
地方主管部门 | 某某市农牧局 | 资金使用单位 | 某某县农牧服务站 | ||
全年预算数(A) | 全年执行数(B) | 预算执行率(B/A×100%) | |||
"""


def test_form_title_in_a_table_row_with_its_year_on_the_next_row(tmp_path: Path) -> None:
    got = _identity(tmp_path, FORM_IN_TABLE_ROWS)
    assert got["fiscal_year"] == (2028, OK)
    assert got["report_kind"] == ("project", OK)
    # the 资金使用单位 cell names the unit; the 主管部门 cell is its supervisor
    assert got["unit_name"] == ("某某县农牧服务站", OK)


COVER_PAGE = """附件2-1
某某区2027年度整体和项目支出
绩效评价自评报告
部门(单位)名称: 某某区档案馆
预 算 编 码: 901234
报告日期:2028年4月2日
某某区财政局(制)
一、部门(单位)基本概况
"""


def test_cover_page_title_over_two_lines_and_a_labelled_name(tmp_path: Path) -> None:
    got = _identity(tmp_path, COVER_PAGE)
    assert got["report_kind"] == ("unit", OK)  # 整体 wins over 项目
    assert got["fiscal_year"] == (2027, OK)  # never the report date's 2028
    assert got["unit_name"] == ("某某区档案馆", OK)


WRAPPER_PAGE = """某某局2019年绩效报告及附表.docx
上传人:张** 文档编号:123456 上传时间:2030-01-02 页数:9
某某局2019年绩效报告及附表.docx_第1页
某某县林业站2026年度项目支出绩效自评报告
一、项目基本情况
"""


def test_a_doc_sharing_wrappers_file_name_is_no_title(tmp_path: Path) -> None:
    got = _identity(tmp_path, WRAPPER_PAGE)
    assert got["fiscal_year"] == (2026, OK)
    assert got["report_kind"] == ("project", OK)
    assert got["unit_name"] == ("某某县林业站", OK)  # the title's, not the file name's


MIRROR_PAGE = """某某縣水產(chǎn)服務(wù)中心2025年度部門整體支出績效自評報告
部門(單位)名稱: 某某縣水產(chǎn)服務(wù)中心
一、部門(單位)基本概況
"""


def test_traditional_mirror_with_pinyin_glosses_keeps_the_printed_name(tmp_path: Path) -> None:
    got = _identity(tmp_path, MIRROR_PAGE)
    assert got["report_kind"] == ("unit", OK)
    assert got["fiscal_year"] == (2025, OK)
    assert got["unit_name"] == ("某某縣水產(chǎn)服務(wù)中心", OK)


def test_evaluation_year_line_of_a_form_and_not_its_filing_date(tmp_path: Path) -> None:
    text = """附件3
项目支出绩效自评报告
项目名称:某某水库加固工程
评价年度:2024
预算部门单位(公章):某某县水务所
填报日期:2026年4月1日
一、基本情况
"""
    got = _identity(tmp_path, text)
    assert got["fiscal_year"] == (2024, OK)
    assert got["report_kind"] == ("project", OK)
    assert got["unit_name"] == ("某某县水务所", OK)


def test_a_year_split_by_a_space_is_read_but_flagged(tmp_path: Path) -> None:
    got = _identity(tmp_path, "某某县20 22 -度部门(单位)整体支出\n绩效评价自评报告\n一、部门概况\n")
    assert got["fiscal_year"] == (2022, FLAGGED)


def test_heading_hints_are_whole_headings_and_only_inferred(tmp_path: Path) -> None:
    project = _identity(tmp_path, "一、项目概况\n(一)项目单位基本情况\n某某镇共有行政村9个。\n")
    assert project["report_kind"] == ("project", FLAGGED)  # 单位基本情况 inside it is no hint
    unit = _identity(tmp_path, "一、部门概况\n(一)部门机构设置\n本局内设3个股室。\n")
    assert unit["report_kind"] == ("unit", FLAGGED)


def test_a_sentence_naming_a_report_is_no_title(tmp_path: Path) -> None:
    text = "现已完成某某县2021年项目绩效目标自评,意见收集人:李某。\n一、部门概况\n"
    got = _identity(tmp_path, text)
    assert got["fiscal_year"][1] is not OK
    assert got["report_kind"] == ("unit", FLAGGED)  # from the heading, not from the sentence


def test_supervisor_or_abbreviation_gives_a_flagged_name_only(tmp_path: Path) -> None:
    supervisor_only = "某某补助资金绩效自评表(2023年度)\n主管部门 | 某某县文化局 |\n"
    assert _identity(tmp_path, supervisor_only)["unit_name"] == ("某某县文化局", FLAGGED)
    abbreviated = (
        "项目支出绩效自评表(2023年度)\n主管部门 | 某某市文化和体育局 |\n实施单位 | 某某市文体局 |\n"
    )
    assert _identity(tmp_path, abbreviated)["unit_name"] == ("某某市文化和体育局", FLAGGED)
    different = (
        "项目支出绩效自评表(2023年度)\n主管部门 | 某某市教育局 |\n实施单位 | 某某市第九中学 |\n"
    )
    assert _identity(tmp_path, different)["unit_name"] == ("某某市第九中学", OK)


def test_wordings_match_a_mirrors_traditional_label() -> None:
    assert mentions("全年預(yù)算執(zhí)行率", "预算执行率")
    assert not mentions("資金到位率", "执行率")
def _field(fields, path):
    return fields[path].value, fields[path].status


def test_a_project_reports_own_rate_is_read_and_a_unit_reports_project_rate_is_not(
    tmp_path: Path,
) -> None:
    project = (
        "2031年度某某县人饮巩固提升工程项目支出绩效自评报告\n"
        "一、项目基本情况\n"
        "本项目资金已全部到位，实际支付项目资金386.4万元，资金执行率97.5%。\n"
    )
    fields, _ = _rules_only(tmp_path, project)
    assert _field(fields, "funds.execution_rate") == (Decimal("97.5"), FieldStatus.OK)
    spent = project.replace("资金执行率97.5%", "完成预算的97.5%")
    fields, _ = _rules_only(tmp_path, spent)
    assert _field(fields, "funds.execution_rate") == (Decimal("97.5"), FieldStatus.OK)
    fields, _ = _rules_only(tmp_path, project.replace("资金执行率97.5%", "完成率97.5%"))
    assert fields["funds.execution_rate"].value is None  # 完成率 is another rate
    unit = (
        "某某县水保站2031年度部门整体支出绩效自评报告\n"
        "一、部门（单位）基本情况\n"
        "全年支出合计512.3万元，预算执行率93%，其中项目支出120.5万元。\n"
        "小流域治理项目预算执行率88%。\n"
    )
    fields, _ = _rules_only(tmp_path, unit)
    # 项目支出 is the unit's funds line; the 项目 sentence is one project's rate
    assert _field(fields, "funds.execution_rate") == (Decimal(93), FieldStatus.OK)
    fields, _ = _rules_only(tmp_path, unit.replace("预算执行率93%，", ""))
    assert fields["funds.execution_rate"].value is None


def test_thresholds_formulas_and_sub_item_rates_are_not_the_execution_rate(
    tmp_path: Path,
) -> None:
    text = (
        "2031年度某某县护林补助项目支出绩效自评报告\n"
        "一、资金情况\n"
        "累计支付资金733.4万元，资金执行率61.2%。\n"
        "分别为①甲乡护林补助支付310万元，资金执行率40%；②乙乡补助未支付，资金执行率为0%；"
        "③丙乡补助未支付，资金执行率0%。\n"
        "注：预算执行率未达到90%的需说明原因；预算执行率(B/A×100%)。\n"
    )
    fields, flags = _rules_only(tmp_path, text)
    assert _field(fields, "funds.execution_rate") == (Decimal("61.2"), FieldStatus.OK)
    assert not [f for f in flags if f.field == "funds.execution_rate"]
    # with no total stated, the sub-items' differing rates are a conflict, never ok
    fields, _ = _rules_only(tmp_path, text.replace("，资金执行率61.2%", ""))
    assert fields["funds.execution_rate"].status is FieldStatus.FLAGGED
    assert "conflict" in fields["funds.execution_rate"].flags


def test_parts_flows_and_planned_columns_do_not_conflict_with_the_total(
    tmp_path: Path,
) -> None:
    text = (
        "某某市档案馆2031年度部门整体支出绩效自评报告\n"
        "一、部门（单位）基本情况\n"
        "离退休人员12人，其中退休11人，离休1人。\n"
        "在职人员较上年减少2人，原因是本年退休3人。本年辞职1人，退休2人。\n"
        "二、预算执行情况\n"
        "年初预算资金为412.6万元，其中：1.本级预算资金为401.5万元。2.上级预算资金为11.1万元。\n"
        "其中一般公共预算收入412.6万元，基金预算收入0元，2031年调增预算收入37.9万元，"
        "决算总收入450.5万元。\n"
        "| 项目 | 计划支出数(万元) | 实际支出数(万元) |\n"
        "| 支出合计 | 1500.00 | 1432.10 |\n"
    )
    fields, _ = _rules_only(tmp_path, text)
    expected = {
        "staffing.retired": 11,
        "funds.budget_initial": Decimal("412.6"),
        "funds.income_total": Decimal("450.5"),
        "funds.expenditure_total": Decimal("1432.1"),
    }
    for path, value in expected.items():
        assert _field(fields, path) == (value, FieldStatus.OK), (path, fields[path].flags)


def test_a_label_read_without_its_tail_word_or_the_cell_before_it(tmp_path: Path) -> None:
    text = (
        "某某县气象局2031年度部门整体支出绩效自评报告\n"
        "一、支出情况\n"
        "支出合计7304518.20元，其中：基本支出就5128734.60元。\n"
        "分项情况：项目支出：217.58万元。\n"
        "基本支出预算就510万元。\n"
    )
    fields, _ = _rules_only(tmp_path, text)
    assert _field(fields, "funds.basic") == (Decimal("512.87346"), FieldStatus.OK)
    assert _field(fields, "funds.project") == (Decimal("217.58"), FieldStatus.OK)


def test_the_title_states_its_unit_and_a_placeless_name_takes_its_place(
    tmp_path: Path,
) -> None:
    # the report's own title names the unit in full: stated, ok
    fields, _ = _rules_only(
        tmp_path, "2031年度某某市某某区档案馆整体支出绩效自评报告\n一、部门（单位）基本情况\n略。\n"
    )
    assert fields["unit_name"].value == "某某市某某区档案馆"
    assert fields["unit_name"].status is FieldStatus.OK
    # a title giving the unit without its place (县水务局): the report's full form is
    # proposed, flagged, never ok as the short form
    text = (
        "县水务局2031年度堤防维修经费绩效自评报告\n"
        "甲乙县水务局对甲乙县堤防维修经费进行了自评。\n"
        "一、基本情况\n2031年度甲乙县财政安排甲乙县水务局该项经费。\n"
    )
    fields, _ = _rules_only(tmp_path, text)
    assert fields["unit_name"].value == "甲乙县水务局"
    assert fields["unit_name"].status is FieldStatus.FLAGGED


# --- filing wordings: 报告日期 / 报告期 / 联络电话, values on the next line, cover dates ----

FORM_COVER = (
    "某某县青苗站2030年度部门（单位）整体支出绩效评价基础数据表\n"
    "评价类型：事后评价\n"
    "报告日期: 2031 年 2月 3日\n"
    "某某县财政局(制)\n"
    "一、部门(单位)基本概况\n"
    "联系人\n\n周某\n\n"
    "联络电话\n\n0739-5551234\n\n"
    "职能职责概述\n\n负责全县青苗补偿工作。\n"
)


def test_filing_date_and_phone_as_forms_print_them(tmp_path: Path) -> None:
    fields, _ = _rules_only(tmp_path, FORM_COVER)
    assert fields["filing.date"].value == "2031 年 2月 3日"
    assert fields["filing.date"].status is FieldStatus.OK
    assert fields["filing.phone"].value == "0739-5551234"  # the number on a later line
    assert fields["filing.phone"].status is FieldStatus.OK


@pytest.mark.parametrize(
    ("line", "date"),
    [
        ("报告期:2031 -2 - 3", "2031 -2 - 3"),
        ("填報日期：2031年2月3日", "2031年2月3日"),
        ("報(bào)告日期:2031年 2月 3日", "2031年 2月 3日"),  # a mirror's pinyin glosses
    ],
)
def test_filing_date_wordings(tmp_path: Path, line: str, date: str) -> None:
    fields, _ = _rules_only(tmp_path, FORM_COVER.replace("报告日期: 2031 年 2月 3日", line))
    assert fields["filing.date"].value == date
    assert fields["filing.date"].status is FieldStatus.OK


def test_phone_in_a_one_cell_per_line_table_of_a_mirror(tmp_path: Path) -> None:
    text = FORM_COVER.replace("联络电话\n\n0739-5551234\n\n", "聯(lián)絡(luò)電話 |\n5559876 |\n")
    fields, _ = _rules_only(tmp_path, text)
    assert fields["filing.phone"].value == "5559876"
    assert fields["filing.phone"].status is FieldStatus.OK


@pytest.mark.parametrize(
    "cover",
    [
        "2031年2月3日\n\n  (此页为封面)\n",
        "(2031年2月)\n",
        "评价机构：评价组 2031年 2月3日某某县财政局(制)\n",
    ],
)
def test_a_cover_date_without_its_label_is_only_flagged(tmp_path: Path, cover: str) -> None:
    text = (
        "某某县青苗站2030年度村务经费支出\n绩效评价报告\n"
        + cover
        + "一、项目概况\n项目资金10万元。\n"
    )
    fields, _ = _rules_only(tmp_path, text)
    assert fields["filing.date"].value is not None
    assert fields["filing.date"].value.startswith("2031")
    assert fields["filing.date"].status is FieldStatus.FLAGGED
    assert "inferred" in fields["filing.date"].flags


def test_publishing_dates_and_file_numbers_are_no_filing_fields(tmp_path: Path) -> None:
    text = (
        "发布日期：2031-02-05  索引号：114306000-2031-00012\n"
        "成文日期：2031年2月4日\n"
        "某某县青苗站2030年度整体支出绩效自评报告\n"
        "一、基本情况\n本站编制数6人，联系电话所列人数12人。\n"
    )
    fields, _ = _rules_only(tmp_path, text)
    assert fields["filing.date"].value is None
    assert fields["filing.phone"].value is None


# --- grade wordings ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "grade"),
    [
        ("经综合评定，本项目绩效自评等次均为优秀。", "优秀"),
        ("总体绩效评价评为好。", "好"),
        ("本单位整体绩效自评为优 秀。", "优 秀"),
        ("| 总分 | 100 | 93 | 优 |", "优"),
    ],
)
def test_grade_wordings(tmp_path: Path, sentence: str, grade: str) -> None:
    text = "某某县青苗站2030年度整体支出绩效自评报告\n一、自评结论\n" + sentence + "\n"
    fields, _ = _rules_only(tmp_path, text)
    assert fields["score.grade"].value == grade
    assert fields["score.grade"].status is FieldStatus.OK


@pytest.mark.parametrize(
    "sentence",
    [
        "全站干部年度考核等次均为优秀。",  # a staff appraisal, not the report's grade
        "3名职工被评为优秀共产党员。",
        "青苗站被评为先进集体。",
    ],
)
def test_grade_lookalikes_give_no_grade(tmp_path: Path, sentence: str) -> None:
    text = "某某县青苗站2030年度整体支出绩效自评报告\n一、基本情况\n" + sentence + "\n"
    fields, _ = _rules_only(tmp_path, text)
    assert fields["score.grade"].value is None


# --- staffing wordings ------------------------------------------------------------------

STAFF_HEAD = "某某县青苗站2030年度整体支出绩效自评报告\n一、基本情况\n"


def _staff(tmp_path: Path, sentence: str):
    fields, _ = _rules_only(tmp_path, STAFF_HEAD + sentence + "\n")
    return {p: fields[p] for p in ("staffing.authorized", "staffing.actual", "staffing.retired")}


def test_staffing_wordings_and_their_parts(tmp_path: Path) -> None:
    staff = _staff(
        tmp_path,
        "本站在职人员编制18人，其中行政编制10人、事业编制6人、工勤人员编制2人；"
        "在职实有17人。离退休人员5人，其中离休1人，退休4人。",
    )
    assert staff["staffing.authorized"].value == 18  # not a part (10, 6, 2)
    assert staff["staffing.actual"].value == 17
    assert staff["staffing.retired"].value == 4  # 退休, not 离退休
    assert all(f.status is FieldStatus.OK for f in staff.values()), {
        p: f.flags for p, f in staff.items()
    }


@pytest.mark.parametrize(
    ("sentence", "path", "value"),
    [
        ("本站行政事业总编制为64个，内设机构6个。", "staffing.authorized", 64),  # posts, 个
        ("2030年末在职在编实有行政人员27人。", "staffing.actual", 27),
        ("财政供养人员情况：编制数30人，在职 28人，退休11人。", "staffing.actual", 28),
        ("本站正式职工26人，退休职工9人。", "staffing.actual", 26),
    ],
)
def test_staffing_prose_wordings(tmp_path: Path, sentence: str, path: str, value: int) -> None:
    field = _staff(tmp_path, sentence)[path]
    assert field.value == value
    assert field.status is FieldStatus.OK


def test_a_count_of_bodies_is_no_staffing(tmp_path: Path) -> None:
    staff = _staff(tmp_path, "本站内设机构6个，下属单位3个。")
    assert staff["staffing.authorized"].value is None


def test_only_retired_and_long_retired_together_is_flagged(tmp_path: Path) -> None:
    retired = _staff(tmp_path, "本站在职人员30人，离退休人员9人。")["staffing.retired"]
    assert retired.value == 9
    assert retired.status is FieldStatus.FLAGGED
    assert "inferred" in retired.flags


@pytest.mark.parametrize(
    "sentence",
    [
        "退休人员12人。在职人员较上年减少2人，原因是本年退休2人、调入1人。",
        "退休人员12人。本年辞职1人，退休2人，死亡1人。",
    ],
)
def test_the_years_retirements_are_no_retired_count(tmp_path: Path, sentence: str) -> None:
    retired = _staff(tmp_path, sentence)["staffing.retired"]
    assert retired.value == 12
    assert retired.status is FieldStatus.OK  # the flow (2) is no conflicting figure


# --- score wordings ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "score"),
    [
        ("经自评，本项目绩效自评分为91.5分。", Decimal("91.5")),
        ("项目自评分：87分", Decimal("87")),
        ("经综合评价，综合评分为88分。", Decimal("88")),
        ("我站2030年度专项支出绩效自评 93分，等次为优秀。", Decimal("93")),
    ],
)
def test_score_wordings(tmp_path: Path, sentence: str, score: Decimal) -> None:
    fields, _ = _rules_only(tmp_path, STAFF_HEAD + sentence + "\n")
    assert fields["score.total"].value == score
    assert fields["score.total"].status is FieldStatus.OK


def test_part_scores_and_full_marks_are_no_total(tmp_path: Path) -> None:
    text = STAFF_HEAD + "满分100分。其中产出指标自评得分38分，满意度指标自评 9分。\n"
    fields, _ = _rules_only(tmp_path, text)
    assert fields["score.total"].value is None


def test_a_project_managers_phone_is_not_the_filing_contact(tmp_path: Path) -> None:
    row = "| 项目负责人 | 赵某 | 联系电话 | 13900001111 |\n"
    fields, _ = _rules_only(
        tmp_path, FORM_COVER.replace("联系人\n\n周某\n\n联络电话\n\n0739-5551234\n\n", row)
    )
    assert fields["filing.phone"].value is None
    contact = "| 联系人 | 周某 | 联系电话 | 13900001111 |\n"
    fields, _ = _rules_only(
        tmp_path, FORM_COVER.replace("联系人\n\n周某\n\n联络电话\n\n0739-5551234\n\n", contact)
    )
    assert fields["filing.phone"].value == "13900001111"
    assert fields["filing.phone"].status is FieldStatus.OK


# --- spending, budget and balance wordings in prose --------------------------------------

PROJECT_HEAD = "某某县2030年度青苗补偿资金项目支出绩效自评报告\n一、项目资金情况\n"
UNIT_HEAD = "某某县青苗站2030年度部门整体支出绩效自评报告\n一、预算执行情况\n"


@pytest.mark.parametrize(
    ("sentence", "spent"),
    [
        ("项目资金共50万元，截至2030年11月30日，已完成拨付48.5万元，执行率97%。", "48.5"),
        ("2030年度青苗补偿工作经费支出12.34万元。", "12.34"),
        ("项目共支付33.3万元，到位资金支付率为95%。", "33.3"),
        ("资金已使用2.50万元，结余0万元。", "2.5"),
        ("项目投资56万元，实际决算金额44.4万元。", "44.4"),
        ("全年预算数为60万元，执行数为55.5万元，完成预算的92.5%。", "55.5"),
        ("发放补助资金为27.8万元。", "27.8"),
        ("2030年实际支付348万元。", "348"),
    ],
)
def test_spending_wordings_of_project_reports(tmp_path: Path, sentence: str, spent: str) -> None:
    fields, _ = _rules_only(tmp_path, PROJECT_HEAD + sentence + "\n")
    assert fields["funds.expenditure_total"].value == Decimal(spent)
    assert fields["funds.expenditure_total"].status is FieldStatus.OK


@pytest.mark.parametrize(
    ("head", "sentence"),
    [
        # a unit report's 经费支出 / 拨付 is one line of its spending
        (UNIT_HEAD, "其中培训工作经费支出3.2万元，已完成拨付1.1万元。"),
        (UNIT_HEAD, "三公经费实际支出2.1万元。"),
        (PROJECT_HEAD, "市财政下达资金80万元，计划支出30万元。"),
        (PROJECT_HEAD, "分项目为①购买防火物资支付21万元；②护林员补助共支付5万元。"),
        (PROJECT_HEAD, "项目预算支出60万元。"),  # the budget or the spending: not said
    ],
)
def test_spending_lookalikes_are_not_the_total(tmp_path: Path, head: str, sentence: str) -> None:
    fields, _ = _rules_only(tmp_path, head + sentence + "\n")
    assert fields["funds.expenditure_total"].value is None


def test_initial_budget_and_balance_wordings(tmp_path: Path) -> None:
    text = PROJECT_HEAD + (
        "2030年初青苗补偿资金预算安排70.5万元，年中追加资金10万元。"
        "上年结转资金5万元，往年结余上级补助资金0.3万元。资金已使用80.5万元，结余0万元。\n"
    )
    fields, _ = _rules_only(tmp_path, text)
    assert fields["funds.budget_initial"].value == Decimal("70.5")
    assert fields["funds.budget_initial"].status is FieldStatus.OK
    assert fields["funds.carryover"].value == Decimal("0")  # not last year's 5 or 0.3
    assert fields["funds.carryover"].status is FieldStatus.OK


@pytest.mark.parametrize(
    ("label", "path", "fits"),
    [
        # a form cell's wording with its unit in brackets (the figure on the line below)
        ("结余（万元）", "funds.carryover", True),
        ("結余 (萬元)", "funds.carryover", True),
        ("往年结余上级补助资金", "funds.carryover", False),  # names a fund
        ("实际使用情况(万元)", "funds.expenditure_total", True),
        ("三公经费实际使用情况", "funds.expenditure_total", False),
    ],
)
def test_wordings_with_their_unit_in_brackets(label: str, path: str, fits: bool) -> None:
    from jixiao.numbers import IndexedNumber, NumberKind
    from jixiao.rules import label_fits

    entry = IndexedNumber(
        start=0, end=1, text="0", value=Decimal(0), unit="万元", kind=NumberKind.MONEY, label=label
    )
    assert label_fits(load_catalog().field(path), entry, None) is fits


def test_wages_breaking_down_total_spending_are_not_basic_spendings_personnel(
    tmp_path: Path,
) -> None:
    # 其中 after the basic spending figure: its parts
    basic = "2031年度某某县档案馆整体支出绩效自评报告\n基本支出70.1万元，其中：工资福利支出60.5万元，商品和服务支出9.6万元。\n"
    fields, _ = _rules_only(tmp_path, basic)
    assert fields["funds.personnel"].value == Decimal("60.5")
    assert fields["funds.personnel"].status is FieldStatus.OK
    assert fields["funds.public"].value == Decimal("9.6")
    # 其中 after the total spending: an economic breakdown of all spending, not of 基本支出
    total = (
        "2031年度某某县档案馆整体支出绩效自评报告\n"
        "支出：806.17万元，同比减少104.71万元。其中：工资福利支出452.93万元，"
        "商品和服务支出297.93万元，对个人和家庭的补助支出52.54万元。\n"
    )
    fields, _ = _rules_only(tmp_path, total)
    assert fields["funds.personnel"].value is None
    assert fields["funds.public"].value is None
