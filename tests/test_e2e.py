"""End to end through the CLI: replay, a dying endpoint, and (JIXIAO_LIVE=1) a live model."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import EXAMPLES, RECORDINGS, replay_examples
from jixiao.cli import app
from jixiao.output import flatten_report, load_report
from jixiao.pipeline import RUN_SUMMARY_NAME
from recorded_server import recorded_server

runner = CliRunner()
RECORDED = RECORDINGS / "examples"


def _reports(out: Path) -> dict[str, dict]:
    return {p.stem: load_report(p) for p in sorted(out.glob("0*.json"))}


@pytest.fixture
def no_model_env(monkeypatch) -> None:
    for name in (
        "JIXIAO_BASE_URL",
        "JIXIAO_MODEL",
        "OPENAI_BASE_URL",
        "OPENAI_MODEL",
        "JIXIAO_API_KEY",
        "OPENAI_API_KEY",
        "JIXIAO_CONFIG",
        "JIXIAO_PROVIDER",
    ):
        monkeypatch.delenv(name, raising=False)


def _replay(out: Path) -> dict[str, dict]:
    result = replay_examples(out)
    assert result.exit_code == 0, result.output
    return _reports(out)


def test_replay_gives_the_same_json_as_the_live_client_path(tmp_path: Path, no_model_env) -> None:
    """Provider openai over real sockets (a server answering with the recorded bodies)
    and provider replay (no socket) give identical reports."""
    replayed = _replay(tmp_path / "replayed")
    with recorded_server(RECORDED) as server:
        result = runner.invoke(
            app,
            [
                "extract",
                str(EXAMPLES),
                "--out",
                str(tmp_path / "live"),
                "--no-cache",
                "--base-url",
                server.base_url,
                "--model",
                "qwen2.5-coder-1.5b-instruct",
                "--mode",  # the mode the recordings were made in (no probe: it is not recorded)
                "md_json",
            ],
        )
    assert result.exit_code == 0, result.output
    live = _reports(tmp_path / "live")
    assert set(replayed) == set(live) == {p.stem for p in EXAMPLES.glob("*.txt")}
    for name, document in replayed.items():
        assert document["report"] == live[name]["report"], name
        assert document["flags"] == live[name]["flags"], name
        run, live_run = document["run"], live[name]["run"]
        assert run["provider"] == "replay" and live_run["provider"] == "openai"
        for key in (
            "model",
            "prompt_version",
            "llm_calls",
            "input_tokens",
            "output_tokens",
            "chunks",
            "questions",
            "mode",
        ):
            assert run[key] == live_run[key], (name, key)
        assert run["llm_calls"] >= run["questions"] >= 1


def test_replayed_fields_come_from_the_model_and_are_grounded(tmp_path: Path, no_model_env) -> None:
    out = tmp_path / "out"
    replayed = _replay(out)
    filled = 0
    for name, document in replayed.items():
        text = (out / f"{name}.normalized.txt").read_text(encoding="utf-8")
        for field in flatten_report(document["report"]).values():
            if field["status"] != "missing":
                filled += 1
            for evidence in field["evidence"]:
                assert text[evidence["start"] : evidence["end"]] == evidence["quote"]
    assert filled >= 10


def test_killing_the_endpoint_mid_run_keeps_finished_reports(tmp_path: Path, no_model_env) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name in ("001_ff46524d0f176dc8", "002_84a1d662e5590cf1", "003_6f9e6739ce5cdaa5"):
        shutil.copy(EXAMPLES / f"{name}.txt", inputs / f"{name}.txt")
    config = tmp_path / "jixiao.toml"
    config.write_text(
        'transport_attempts = 2\nbackoff_max_seconds = 0.05\nmode = "md_json"\n', encoding="utf-8"
    )
    out = tmp_path / "out"
    # 001 has two chunks: the server answers them and then goes away.
    with recorded_server(RECORDED, answers_before_death=2) as server:
        result = runner.invoke(
            app,
            [
                "extract",
                str(inputs),
                "--out",
                str(out),
                "--no-cache",
                "--base-url",
                server.base_url,
                "--model",
                "qwen2.5-coder-1.5b-instruct",
                "--config",
                str(config),
            ],
        )
    assert result.exit_code == 1, result.output
    summary = json.loads((out / RUN_SUMMARY_NAME).read_text(encoding="utf-8"))
    statuses = {r["name"]: (r["status"], r["reason"]) for r in summary["reports"]}
    assert statuses["001_ff46524d0f176dc8"] == ("done", None)
    assert statuses["002_84a1d662e5590cf1"][0] == "partial"
    assert "chunks failed" in statuses["002_84a1d662e5590cf1"][1]
    finished = load_report(out / "001_ff46524d0f176dc8.json")
    replayed = _replay(tmp_path / "replayed")
    assert finished["report"] == replayed["001_ff46524d0f176dc8"]["report"]
    broken = load_report(out / "003_6f9e6739ce5cdaa5.json")
    assert {f["code"] for f in broken["flags"] if f["severity"] == "error"} >= {"chunk_failed"}
    assert "APIConnectionError" in next(
        f["message"] for f in broken["flags"] if f["code"] == "chunk_failed"
    )
    assert not list(out.rglob("*.part"))


@pytest.mark.live
@pytest.mark.skipif(
    os.environ.get("JIXIAO_LIVE") != "1",
    reason="set JIXIAO_LIVE=1 and JIXIAO_BASE_URL/JIXIAO_MODEL",
)
def test_live_endpoint_fills_fields_and_second_run_hits_the_cache(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    shutil.copy(EXAMPLES / "002_84a1d662e5590cf1.txt", inputs)
    args = [
        "extract",
        str(inputs),
        "--out",
        str(tmp_path / "out"),
        "--cache-dir",
        str(tmp_path / "cache"),
    ]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    document = load_report(tmp_path / "out" / "002_84a1d662e5590cf1.json")
    assert document["run"]["provider"] == "openai"
    assert document["run"]["llm_calls"] >= 1
    assert any(f["status"] != "missing" for f in flatten_report(document["report"]).values())
    second = runner.invoke(app, args)
    assert second.exit_code == 0, second.output
    again = load_report(tmp_path / "out" / "002_84a1d662e5590cf1.json")
    assert again["run"]["llm_calls"] == 0
    assert again["run"]["cache_hits"] == again["run"]["chunks"]


def test_a_failed_rerun_never_replaces_a_better_output(tmp_path: Path, no_model_env) -> None:
    from jixiao.pipeline import RUN_HISTORY_NAME

    inputs = tmp_path / "in"
    inputs.mkdir()
    shutil.copy(EXAMPLES / "003_6f9e6739ce5cdaa5.txt", inputs / "003.txt")
    config = tmp_path / "jixiao.toml"
    config.write_text(
        'transport_attempts = 1\nbackoff_max_seconds = 0.05\nmode = "md_json"\n', encoding="utf-8"
    )
    out = tmp_path / "out"

    def extract(server_url: str, *extra: str):
        return runner.invoke(
            app,
            [
                "extract",
                str(inputs),
                "--out",
                str(out),
                "--no-cache",
                "--base-url",
                server_url,
                "--model",
                "qwen2.5-coder-1.5b-instruct",
                "--config",
                str(config),
                *extra,
            ],
        )

    with recorded_server(RECORDED) as server:
        assert extract(server.base_url).exit_code == 0
    good = (out / "003.json").read_bytes()
    with recorded_server(RECORDED, answers_before_death=0) as dead:
        # --ask all: settings unlike the finished run's, so the report is redone, not resumed
        failed = extract(dead.base_url, "--ask", "all")
    assert failed.exit_code == 1
    assert (out / "003.json").read_bytes() == good  # byte for byte
    summary = json.loads((out / RUN_SUMMARY_NAME).read_text(encoding="utf-8"))
    assert "kept" in summary["reports"][0]["reason"]
    history = (out / RUN_HISTORY_NAME).read_text(encoding="utf-8").splitlines()
    assert len(history) == 2  # every run is kept in the history
    with recorded_server(RECORDED, answers_before_death=0) as dead:
        forced = extract(dead.base_url, "--force")
    assert forced.exit_code == 1
    assert (out / "003.json").read_bytes() != good
