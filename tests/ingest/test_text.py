"""Text reader: the encodings Chinese offices save reports in."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import EXAMPLES
from jixiao.core import FieldStatus
from jixiao.errors import IngestError
from jixiao.ingest import decode_text, read_source

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


def test_binary_text_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "binary.txt"
    path.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(IngestError):
        read_source(path)


# Lines of the example reports, as the pieces generated reports are made of: a decoder
# is judged on text like the reports it reads, not on arbitrary code points.
REPORT_LINES = sorted(
    {
        line.strip()
        for path in EXAMPLES.glob("*.txt")
        for line in path.read_text(encoding="utf-8").splitlines()
        if len(line.strip()) >= 10
    }
)


@settings(max_examples=60, deadline=None)
@given(
    lines=st.lists(st.sampled_from(REPORT_LINES), min_size=3, max_size=12),
    figures=st.lists(st.integers(min_value=0, max_value=10**7), max_size=5),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]),
)
def test_decode_text_round_trips_report_text(
    lines: list[str], figures: list[int], encoding: str
) -> None:
    text = "\n".join(lines + [f"支出{n / 100:.2f}万元。" for n in figures]) + "\n"
    decoded, _ = decode_text(text.encode(encoding))
    assert decoded == text


def test_a_bad_byte_in_utf8_text_is_replaced_and_values_read_there_are_flagged(
    tmp_path: Path,
) -> None:
    from jixiao.catalog import load_catalog
    from jixiao.pipeline import prepare, settle_report
    from jixiao.settings import Settings

    good = "2031年度某某县档案馆整体支出绩效自评报告\n收入合计120.5万元。\n支出合计118.2万元。\n"
    raw = good.encode("utf-8").replace("万元。".encode(), "万元".encode() + b"\xff", 1)
    path = tmp_path / "damaged.txt"
    path.write_bytes(raw)
    document = read_source(path)
    assert "\ufffd" in (document.text or "")
    assert [line.reason for line in document.suspect_lines] == ["encoding_repaired"]
    catalog = load_catalog()
    fields, _ = settle_report(catalog, prepare(path, Settings(), catalog), [])
    assert fields["funds.expenditure_total"].status is FieldStatus.OK  # a clean line
    assert fields["funds.income_total"].value == Decimal("120.5")
    assert fields["funds.income_total"].flags == ["encoding_repaired"]
    # binary bytes are still refused, naming the file
    (tmp_path / "binary.txt").write_bytes(bytes(range(256)) * 8)
    with pytest.raises(IngestError, match=r"binary\.txt"):
        read_source(tmp_path / "binary.txt")
