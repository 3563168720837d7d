"""The golden corpus: reviewed truth checkable against each case's text, and regress."""

from __future__ import annotations

import contextlib
import json
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import ROOT
from jixiao.catalog import load_catalog
from jixiao.cli import app
from jixiao.figures import FIGURE_RE, parse_figure
from jixiao.golden import case_dirs, case_input
from jixiao.ingest import read_source
from jixiao.ingest.ocr import shared_engine
from jixiao.normalize import normalize_document
from jixiao.settings import Settings

GOLDEN = ROOT / "golden"
CASES = case_dirs(GOLDEN)
runner = CliRunner()


def _squash(text: str) -> str:
    return "".join(text.split())


def _holds(quote: str, value) -> bool:
    """Whether a quote prints a value: a figure equal to it, or the text itself."""
    if isinstance(value, int) or (isinstance(value, str) and _is_decimal(value)):
        target = Decimal(str(value))
        for match in FIGURE_RE.finditer(quote):
            figure = parse_figure(match.group(0))
            if figure is not None and target in (figure.value, figure.in_wanyuan()):
                return True
        # cells that lost their separators print the digits glued (194.9194.9100%)
        return str(value) in quote.replace(",", "")
    return _squash(str(value)) in _squash(quote) or value in ("unit", "project")


def _is_decimal(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return True


def test_the_corpus_has_at_least_eight_cases_of_several_formats() -> None:
    assert len(CASES) >= 8
    suffixes = {case_input(case).suffix for case in CASES}
    assert suffixes >= {".txt", ".docx"}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_truth_quote_occurs_in_the_case_text_and_holds_its_value(case: Path) -> None:
    ocr = shared_engine(Settings().ocr_cache_dir())  # the scans' pages read once, as regress does
    text = _squash(normalize_document(read_source(case_input(case), ocr)).text)
    expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))["fields"]
    assert set(expected) == set(load_catalog().all_paths)
    for path, truth in expected.items():
        value = truth.get("value")
        if value is None:
            continue
        if isinstance(value, list):
            for item in value:
                assert _squash(item["quote"]) in text, (path, item["quote"])
                key = item.get("name") or item.get("text")
                assert _squash(key)[:6] in text, (path, key)
                for name in ("budget_initial", "adjustment", "actual", "carryover"):
                    if item.get(name) is not None and item["quote"] != item.get("name"):
                        assert _holds(item["quote"], item[name]) or _squash(item[name]) in text
            continue
        assert _squash(truth["quote"]) in text, (path, truth["quote"])
        assert _holds(truth["quote"], value), (path, truth["quote"], value)


def test_regress_passes_offline_against_the_baseline(tmp_path: Path) -> None:
    summary = tmp_path / "summary.json"
    junit = tmp_path / "regress.xml"
    result = runner.invoke(
        app, ["regress", str(GOLDEN), "--junit", str(junit), "--summary", str(summary)]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(summary.read_text(encoding="utf-8"))
    assert len(data["cases"]) == len(CASES)
    assert all(c["error"] is None for c in data["cases"])
    assert "<testsuites>" in junit.read_text(encoding="utf-8")


def _copy_case(tmp_path: Path, name: str) -> Path:
    target = tmp_path / "golden" / name
    shutil.copytree(GOLDEN / name, target)
    return target


def _answers(recording: dict) -> list[tuple[dict, dict]]:
    """(message, answer arguments) of each recorded response: a tool call's arguments or
    the JSON a JSON-mode answer holds (in a fenced block or bare)."""
    found = []
    for exchange in recording["exchanges"]:
        message = exchange["response"].get("choices", [{}])[0].get("message", {})
        for call in message.get("tool_calls") or []:
            found.append((call["function"], json.loads(call["function"]["arguments"])))
        content = message.get("content") or ""
        match = re.search(r"\{.*\}", content, re.S)
        if match:
            with contextlib.suppress(ValueError):
                found.append((message, json.loads(match.group(0))))
    return found


def _plant_number(case: Path, key: str, old: str, new: str) -> bool:
    """Change a figure in the recorded model answers (responses only, never requests)."""
    planted = False
    for recording in sorted((case / "recordings").glob("*.json")):
        data = json.loads(recording.read_text(encoding="utf-8"))
        for holder, arguments in _answers(data):
            answer = arguments.get(key)
            if isinstance(answer, dict) and old in str(answer.get("value")):
                if "arguments" in holder:
                    answer["value"] = str(answer["value"]).replace(old, new)
                    holder["arguments"] = json.dumps(arguments, ensure_ascii=False)
                else:
                    holder["content"] = holder["content"].replace(old, new)
                planted = True
        recording.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return planted


MATCHED = ("ok_match", "flagged_match")


def _model_figures_in_baseline() -> list[tuple[str, str, str, str]]:
    """(case, field path, answer key, figure) of a figure a recorded answer gives that the
    baseline holds as a match (ok or flagged)."""
    from jixiao.catalog import load_catalog

    keys = {spec.key: spec.path for spec in load_catalog().fields if spec.numeric}
    found = []
    for case in sorted(GOLDEN.iterdir()):
        baseline_path = case / "baseline.json"
        if not baseline_path.is_file():
            continue
        baseline = json.loads(baseline_path.read_text(encoding="utf-8"))
        for recording in sorted((case / "recordings").glob("*.json")):
            for _, arguments in _answers(json.loads(recording.read_text(encoding="utf-8"))):
                for key, answer in arguments.items():
                    value = answer.get("value") if isinstance(answer, dict) else None
                    figure = re.search(r"\d+\.\d+", str(value or ""))
                    if key in keys and figure and baseline.get(keys[key]) in MATCHED:
                        found.append((case.name, keys[key], key, figure.group(0)))
    return found


def test_a_changed_recorded_number_fails_regress_naming_case_and_field(tmp_path: Path) -> None:
    """A recorded figure the output relies on, changed, fails regress naming the case and
    the field (figures the validator set aside for the rules' reading change nothing)."""
    caught = None
    for name, field, key, figure in _model_figures_in_baseline():
        case = _copy_case(tmp_path, name)
        assert _plant_number(case, key, figure, str(Decimal(figure) + Decimal("0.37")))
        result = runner.invoke(app, ["regress", str(tmp_path / "golden")])
        shutil.rmtree(case)
        if result.exit_code == 1:
            caught = (name, field, result.output)
            break
    assert caught is not None, "no changed recorded figure was caught"
    name, field, output = caught
    assert name in output and field in output
    _copy_case(tmp_path, name)
    assert runner.invoke(app, ["regress", str(tmp_path / "golden")]).exit_code == 0


def test_a_fix_shows_as_an_improvement_and_update_baseline_records_it(tmp_path: Path) -> None:
    case = _copy_case(tmp_path, "lusong-arts-2024")
    baseline_path = case / "baseline.json"
    baseline = json.loads(baseline_path.read_text(encoding="utf-8"))
    # As if a field used to be missing: the pipeline now gets it, an improvement.
    improved = next(path for path, outcome in baseline.items() if outcome == "ok_match")
    baseline[improved] = "missing"
    baseline_path.write_text(json.dumps(baseline), encoding="utf-8")
    result = runner.invoke(app, ["regress", str(tmp_path / "golden")])
    assert result.exit_code == 0, result.output
    assert "better" in result.output and improved in result.output
    result = runner.invoke(app, ["regress", str(tmp_path / "golden"), "--update-baseline"])
    assert result.exit_code == 0
    assert json.loads(baseline_path.read_text(encoding="utf-8"))[improved] == "ok_match"


@pytest.mark.parametrize(
    ("scan", "text"),
    [
        ("shifeng-arts-2023-scan", "shifeng-arts-2023"),
        # its OCR reads 部门整体情况 as 部内整体情况: the report kind rests on OCR-tolerant matching
        ("lingling-arts-2024-scan", "lingling-arts-2024"),
    ],
)
def test_scanned_cases_with_recordings_keep_the_text_versions_correct_fields(scan, text) -> None:
    from jixiao.golden import Outcome, compare, load_expected, run_case
    from jixiao.output import flatten_report, report_json
    from jixiao.settings import load_settings

    settings = load_settings({"provider": "replay"}, environ={})
    outcomes = {}
    for case in (scan, text):
        report = run_case(GOLDEN / case, settings)
        flat = flatten_report(report_json(report)["report"])
        outcomes[case] = {
            r.path: (r.outcome, flat[r.path]["status"])
            for r in compare(load_expected(GOLDEN / case), flat, {})
        }
    right = (Outcome.OK_MATCH, Outcome.FLAGGED_MATCH)
    text_right = {p for p, (o, _) in outcomes[text].items() if o in right}
    scan_right = {p for p, (o, _) in outcomes[scan].items() if o in right}
    # the model reads the OCR text, which differs a little: one answer may differ
    lost = sorted(text_right - scan_right)
    assert len(lost) <= max(1, 0.05 * len(text_right)), lost
    wrong_ok = [
        p
        for p, (o, status) in outcomes[scan].items()
        if o in (Outcome.MISMATCH, Outcome.EXTRA) and status == "ok"
    ]
    assert wrong_ok == []


def test_prose_matches_with_a_stated_tolerance_and_short_text_and_figures_exactly() -> None:
    from jixiao.golden import PROSE_MIN_CHARS, _same

    goal = (
        "以国画、油画等形式展现渌口和大京风光，弘扬了红色精神，为文艺交流和文旅融合注入了新的活力。"
        * 2
    )
    assert len(goal) >= PROSE_MIN_CHARS
    assert _same(goal, goal.replace("渌口", "录口", 1))  # one OCR misreading in ~90 characters
    assert not _same(goal, goal[: len(goal) // 2])  # half of it is not the goal
    assert not _same("永州市零陵区文学艺术界联合会", "永州市零陵区文学艺术界联合")
    assert not _same("80.25", "80.52")


def test_junit_xml_escapes_what_a_report_can_hold() -> None:
    from xml.etree import ElementTree

    from jixiao.golden import CaseResult, FieldResult, Outcome, RegressResult, junit_xml

    hostile = 'a "quoted" <tag> & \u201c中文\u201d'
    result = RegressResult(
        cases=[
            CaseResult(
                case="case<&>",
                error=hostile,
                fields=[
                    FieldResult(
                        path="unit_name",
                        outcome=Outcome.MISMATCH,
                        expected=hostile,
                        got="x",
                        baseline=Outcome.OK_MATCH,
                    ),
                    FieldResult(path="fiscal_year", outcome=Outcome.MISSING),
                ],
            )
        ]
    )
    root = ElementTree.fromstring(junit_xml(result))
    suite = root.find("testsuite")
    assert suite is not None and suite.get("name") == "case<&>" and suite.get("failures") == "2"
    messages = [f.get("message") for f in root.iter("failure")]
    assert messages[0] == hostile and hostile in messages[1]
    assert [s.get("message") for s in root.iter("skipped")] == ["known missing"]
