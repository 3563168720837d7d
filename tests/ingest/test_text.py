"""Text reader: the encodings Chinese offices save reports in."""

from __future__ import annotations

from pathlib import Path

import pytest

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
