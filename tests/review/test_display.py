"""Every flag reads as a Chinese sentence from the one catalog: no codes, no paths."""

from __future__ import annotations

import re
from pathlib import Path

from jixiao.flags import describe, load_catalog
from jixiao.output import load_report
from jixiao.review import display


def test_the_income_sum_failure_reads_in_chinese_with_field_names() -> None:
    flag = {
        "field": "funds.income_total",
        "code": "sum_income_sources",
        "severity": "error",
        "message": "各来源收入之和 = 收入合计: funds.general_budget_income=598.25 + "
        "funds.government_fund=16 = 614.25, but funds.income_total is 642.01; "
        "difference -27.76 (beyond the tolerance of 0.02)",
    }
    assert display.flag_reason(flag) == (
        "收入合计 642.01 ≠ 各项收入之和 614.25（差 -27.76，超出容差 0.02）："
        "一般公共预算财政拨款收入 598.25 + 政府性基金 16"
    )


def test_every_flag_of_the_examples_reads_without_latin_words(examples_out: Path) -> None:
    seen = set()
    for path in sorted(examples_out.glob("0*.json")):
        for flag in load_report(path)["flags"]:
            reason = display.flag_reason(flag)
            seen.add(flag["code"])
            assert not re.search(r"[A-Za-z]{2,}", reason), (flag, reason)
            assert reason != "未知标记"
    assert {"sum_income_sources", "project_incomplete", "proposed_by_rules"} <= seen


def test_a_message_no_reading_knows_reads_as_the_code_words() -> None:
    catalog = load_catalog()
    assert (
        describe({"code": "ocr_page_break", "message": "anything"})
        == catalog.codes["ocr_page_break"].zh
    )
    assert describe({"code": "no_such_code", "message": "x"}) == "未知标记"
    assert all(reading.codes for reading in catalog.readings)


def test_values_carry_their_units_and_kinds_read_in_chinese() -> None:
    from decimal import Decimal

    assert display.show_value("funds.basic", Decimal("70.10")) == "70.1 万元"
    assert display.show_value("funds.execution_rate", 100) == "100%"
    assert display.show_value("staffing.actual", 4) == "4人"
    assert display.show_value("report_kind", "unit") == "单位整体"
    assert display.field_name("projects[+2]") == "项目 新增第 2 行"


def test_a_chinese_message_reads_as_written_and_a_failed_call_without_its_error() -> None:
    written = "收入合计 642.01 万元 ≠ 各项收入之和 669.77 万元（差 27.76 万元，超出容差 0.02 万元）"
    flag = {"field": "funds.income_total", "code": "sum_income_sources", "message": written}
    assert display.flag_reason(flag) == written
    failed = {"field": "", "code": "chunk_failed", "message": "第 3 段的模型调用失败：Timeout x"}
    assert display.flag_reason(failed) == "第 3 段的模型调用失败，该段的字段可能缺失"
    # an English message no reading knows still reads as the code's words, never English
    odd = {"field": "funds.basic", "code": "conflict", "message": "基本支出: the rules say so"}
    assert display.flag_reason(odd) == load_catalog().codes["conflict"].zh
