import json
from decimal import Decimal
from pathlib import Path

from jixiao.catalog import load_catalog
from jixiao.core import (
    Evidence,
    FieldStatus,
    ReportField,
    ReportResult,
    RunRecord,
    SourceInfo,
)
from jixiao.output import flatten_report, load_report, write_report


def _result(fields: dict[str, ReportField]) -> ReportResult:
    catalog = load_catalog()
    complete = {path: fields.get(path, ReportField()) for path in catalog.all_paths}
    return ReportResult(
        name="sub/report",
        source=SourceInfo(path="in/sub/report.txt", sha256="0" * 64, format="txt", chars=10),
        fields=complete,
        run=RunRecord(provider="none", model=None, prompt_version="extract-1+x"),
        normalized_text="收入80.25万元。\n",
    )


def test_every_contract_path_is_present_and_decimals_are_exact(tmp_path: Path) -> None:
    money = ReportField(
        value=Decimal("80.25"),
        status=FieldStatus.OK,
        evidence=[Evidence(start=2, end=9, quote="80.25万元")],
    )
    small = ReportField(value=Decimal("0.0001"), status=FieldStatus.OK)
    path = write_report(tmp_path, _result({"funds.income_total": money, "funds.carryover": small}))
    assert path == tmp_path / "sub" / "report.json"
    assert (tmp_path / "sub" / "report.normalized.txt").read_text(
        encoding="utf-8"
    ) == "收入80.25万元。\n"
    document = load_report(path)
    assert document["schema_version"] == 1
    assert set(document) == {"schema_version", "source", "report", "flags", "run"}
    flat = flatten_report(document["report"])
    assert set(flat) == set(load_catalog().all_paths)
    assert flat["funds.income_total"]["value"] == Decimal("80.25")
    assert flat["funds.carryover"]["value"] == Decimal("0.0001")
    assert flat["unit_name"] == {"value": None, "status": "missing", "evidence": [], "flags": []}
    for key in (
        "provider",
        "model",
        "prompt_version",
        "llm_calls",
        "cache_hits",
        "input_tokens",
        "output_tokens",
        "seconds",
        "failed_chunks",
    ):
        assert key in document["run"]


def test_writes_leave_no_temporary_files(tmp_path: Path) -> None:
    write_report(tmp_path, _result({}))
    leftovers = [p.name for p in tmp_path.rglob("*") if p.name.endswith(".part")]
    assert leftovers == []


def test_a_long_figure_is_written_as_a_number_with_every_digit() -> None:
    from jixiao.output import dumps, plain_json

    long_figure = Decimal("123456789012345678.123456789")
    text = dumps(plain_json({"value": long_figure, "whole": Decimal("100.00")}))
    assert '"value": 123456789012345678.123456789' in text
    assert '"whole": 100' in text
    assert json.loads(text, parse_float=Decimal)["value"] == long_figure
