"""The LLM layer through real sockets, the real openai client and instructor.

Answers come from recordings of a real model (tests/recordings/examples, made with
`jixiao extract --record` against the local Qwen2.5 server), served by a real HTTP
server (`recorded_server`) or by the replay transport.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import EXAMPLES, RECORDINGS
from jixiao.catalog import load_catalog
from jixiao.core import ChunkStatus
from jixiao.llm import build_messages, cache_key, load_prompts, open_provider
from jixiao.pipeline import prepare, questions_for
from jixiao.schema import response_model_for
from jixiao.settings import LLMMode, Settings, load_settings
from recorded_server import recorded_server

RECORDED = RECORDINGS / "examples"
MODEL = "qwen2.5-coder-1.5b-instruct"
REPORT = "001_ff46524d0f176dc8"
MODE = "md_json"  # the mode the probe chose for the local model when these were recorded
SECRET = "jixiao-test-secret-0123456789abcdef"


def _chunks(settings: Settings):
    """The questions asked of the report (named for what the tests did with chunks)."""
    catalog = load_catalog()
    return questions_for(catalog, prepare(EXAMPLES / f"{REPORT}.txt", settings, catalog), settings)


def _settings(base_url: str, tmp_path: Path, **extra) -> Settings:
    values = {
        "provider": "openai",
        "base_url": base_url,
        "model": MODEL,
        "api_key": SECRET,
        "mode": MODE,
        "cache_dir": tmp_path / "cache",
        "transport_attempts": 3,
        "backoff_max_seconds": 0.05,
    }
    values.update(extra)
    return load_settings(values, environ={})


def test_cache_key_covers_the_request_and_never_the_key(tmp_path: Path) -> None:
    base = _settings("http://x/v1", tmp_path)
    chunk = _chunks(base)[0]
    prompts = load_prompts()
    schema = response_model_for(chunk.fields, chunk.lists).model_json_schema()
    messages = build_messages(prompts, chunk, LLMMode.MD_JSON)
    key = cache_key(base, prompts.version, schema, messages)
    other_key = base.model_copy(update={"api_key": None})
    assert cache_key(other_key, prompts.version, schema, messages) == key
    assert SECRET not in key
    assert (
        cache_key(base.model_copy(update={"model": "other"}), prompts.version, schema, messages)
        != key
    )
    assert cache_key(base, prompts.version + "x", schema, messages) != key
    assert (
        cache_key(base.model_copy(update={"temperature": 0.5}), prompts.version, schema, messages)
        != key
    )
    assert cache_key(base, prompts.version, {}, messages) != key


def test_answers_come_through_instructor_and_the_cache(tmp_path: Path) -> None:
    with recorded_server(RECORDED) as server:
        settings = _settings(server.base_url, tmp_path)
        chunks = _chunks(settings)
        provider = open_provider(settings)
        first = [provider.answer(chunk, REPORT) for chunk in chunks]
        provider.close()
        assert [a.status for a in first] == [ChunkStatus.ANSWERED] * len(chunks)
        assert all(a.usage.input_tokens > 0 for a in first)
        requests = server.requests

        provider = open_provider(settings)
        second = [provider.answer(chunk, REPORT) for chunk in chunks]
        provider.close()
        assert [a.status for a in second] == [ChunkStatus.CACHED] * len(chunks)
        assert server.requests == requests  # zero LLM calls on the second run
        assert [a.data for a in second] == [a.data for a in first]
    assert all(header == f"Bearer {SECRET}" for header in server.authorization_seen)


@pytest.mark.parametrize("failure", [503, 429, 500])
def test_transient_errors_are_retried(tmp_path: Path, failure: int) -> None:
    with recorded_server(RECORDED, failures=[failure, failure]) as server:
        settings = _settings(server.base_url, tmp_path, use_cache=False)
        answer = open_provider(settings).answer(_chunks(settings)[0], REPORT)
    assert answer.status is ChunkStatus.ANSWERED
    assert answer.usage.calls == 3


def test_client_errors_are_not_retried_and_fail_the_chunk(tmp_path: Path) -> None:
    with recorded_server(RECORDED, failures=[400]) as server:
        settings = _settings(server.base_url, tmp_path, use_cache=False)
        answer = open_provider(settings).answer(_chunks(settings)[0], REPORT)
    assert answer.status is ChunkStatus.FAILED
    assert answer.usage.calls == 1
    assert "BadRequestError" in answer.error


def test_a_dead_endpoint_fails_the_chunk_after_bounded_tries(tmp_path: Path) -> None:
    with recorded_server(RECORDED) as server:
        url = server.base_url
    settings = _settings(url, tmp_path, use_cache=False)
    answer = open_provider(settings).answer(_chunks(settings)[0], REPORT)
    assert answer.status is ChunkStatus.FAILED
    assert "APIConnectionError" in answer.error


def test_replay_serves_recordings_without_a_network(tmp_path: Path) -> None:
    settings = load_settings({"provider": "replay", "replay_dir": RECORDED}, environ={})
    provider = open_provider(settings)
    assert provider.model == MODEL  # taken from the recordings
    assert provider.mode is LLMMode(MODE)  # and the mode they were made in
    answers = [provider.answer(chunk, REPORT) for chunk in _chunks(settings)]
    assert all(a.status is ChunkStatus.ANSWERED for a in answers)


def test_replay_names_the_chunk_it_has_no_recording_for(tmp_path: Path) -> None:
    settings = load_settings({"provider": "replay", "replay_dir": RECORDED}, environ={})
    chunk = _chunks(settings)[0].model_copy(update={"text": "一段从未录制过的文字。"})
    answer = open_provider(settings).answer(chunk, "some/report")
    assert answer.status is ChunkStatus.FAILED
    assert f"no recording for chunk {chunk.chunk_index} ({chunk.label}) of some/report" in (
        answer.error
    )


def test_recordings_hold_requests_and_responses_but_no_key(tmp_path: Path) -> None:
    with recorded_server(RECORDED) as server:
        settings = _settings(server.base_url, tmp_path, record_dir=tmp_path / "rec")
        chunk = _chunks(settings)[0]
        answer = open_provider(settings).answer(chunk, REPORT)
    assert answer.status is ChunkStatus.ANSWERED
    (path,) = (tmp_path / "rec").rglob("*.json")
    recording = json.loads(path.read_text(encoding="utf-8"))
    exchange = recording["exchanges"][0]
    assert exchange["request"]["model"] == MODEL
    assert exchange["request"]["messages"][0]["content"].count(chunk.text) == 1
    assert exchange["host"] == "127.0.0.1"
    for file in tmp_path.rglob("*"):
        if file.is_file():
            assert SECRET.encode() not in file.read_bytes(), file
