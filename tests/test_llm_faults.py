"""What the LLM layer does when an endpoint misbehaves, through real sockets, the real
openai client and instructor: a call past its deadline or cut at its token limit is
split and never sent again as it was; a dead endpoint opens a circuit; Retry-After is
read in every form servers send.

The fault server here answers no question: it sleeps, cuts answers off or refuses, which
is all these tests need (no model output is invented)."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx2
import pytest

from jixiao.core import ChunkStatus, Question
from jixiao.llm import MAX_CALLS_PER_QUESTION, open_provider, parse_retry_after
from jixiao.settings import Settings, load_settings

FILLER = "这是一段与数字无关的说明文字，用来让片段足够长。\n" * 30
TEXT = FILLER + "本年收入合计120.50万元，预算执行率为98.5%，年初预算数100万元。\n" + FILLER


class FaultServer:
    """Answers every chat completion with one fault: `sleep` (past any deadline), `cut`
    (a 200 whose answer stopped at max_tokens) or an HTTP status."""

    def __init__(self, fault: str) -> None:
        self.fault = fault
        self.bodies: list[str] = []
        self._lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"])).decode("utf-8")
                with server._lock:
                    server.bodies.append(body)
                if server.fault == "sleep":
                    time.sleep(1.5)
                    return
                if server.fault == "cut":
                    payload = {
                        "id": "cut",
                        "object": "chat.completion",
                        "created": 0,
                        "model": "m",
                        "choices": [
                            {
                                "index": 0,
                                "finish_reason": "length",
                                "message": {"role": "assistant", "content": '```json\n{"funds_'},
                            }
                        ],
                        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
                    }
                    self._send(200, payload)
                    return
                self._send(int(server.fault), {"error": {"message": f"planned {server.fault}"}})

            def _send(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


@contextmanager
def fault_server(fault: str) -> Iterator[FaultServer]:
    server = FaultServer(fault)
    server.thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()


def _settings(base_url: str, tmp_path: Path, **extra) -> Settings:
    values = {
        "provider": "openai",
        "base_url": base_url,
        "model": "m",
        "mode": "md_json",
        "cache_dir": tmp_path / "cache",
        "use_cache": False,
        "timeout_seconds": 0.4,
        "transport_attempts": 2,
        "backoff_max_seconds": 0.01,
    }
    values.update(extra)
    return load_settings(values, environ={})


def _question(**extra) -> Question:
    values = {
        "chunk_index": 2,
        "start": 0,
        "end": len(TEXT),
        "text": TEXT,
        "fields": ["funds_income_total", "funds_execution_rate", "funds_budget_initial"],
    }
    values.update(extra)
    return Question(**values)


def _distinct(bodies: list[str]) -> bool:
    hashes = [hashlib.sha256(b.encode()).hexdigest() for b in bodies]
    return len(set(hashes)) == len(hashes)


@pytest.mark.parametrize("fault", ["sleep", "cut", "408"])
def test_a_request_that_ran_out_is_split_and_never_sent_again_unchanged(
    tmp_path: Path, fault: str
) -> None:
    with fault_server(fault) as server:
        provider = open_provider(_settings(server.base_url, tmp_path))
        answer = provider.answer(_question(), "r")
        bodies = list(server.bodies)
    assert answer.status is ChunkStatus.FAILED
    assert len(bodies) > 1  # the parts were asked
    assert len(bodies) <= MAX_CALLS_PER_QUESTION
    assert _distinct(bodies), "a request was sent twice unchanged"
    asked = [json.loads(b) for b in bodies]
    assert asked[1]["max_tokens"] < asked[0]["max_tokens"]  # fewer fields, fewer tokens
    why = "deadline" if fault in ("sleep", "408") else "ran out of tokens"
    assert why in (answer.error or "")


def test_a_dead_endpoint_opens_the_circuit_after_two_questions(tmp_path: Path) -> None:
    with fault_server("500") as server:
        url = server.base_url
    provider = open_provider(_settings(url, tmp_path))
    first = provider.answer(_question(fields=["funds_income_total"]), "r")
    second = provider.answer(_question(fields=["funds_income_total"]), "r")
    started = time.monotonic()
    third = provider.answer(_question(fields=["funds_execution_rate"]), "r")
    assert time.monotonic() - started < 0.5
    assert "APIConnectionError" in (first.error or "") and "APIConnectionError" in (
        second.error or ""
    )
    assert third.usage.calls == 0
    assert third.status is ChunkStatus.FAILED and "unreachable" in (third.error or "")


def test_a_conflict_is_retried_a_client_error_is_not(tmp_path: Path) -> None:
    for status, calls in (("409", 2), ("400", 1)):
        with fault_server(status) as server:
            answer = open_provider(_settings(server.base_url, tmp_path)).answer(
                _question(fields=["funds_income_total"]), "r"
            )
            assert answer.status is ChunkStatus.FAILED
            assert len(server.bodies) == calls, status


def test_a_probe_of_a_dead_endpoint_says_so_before_any_report(tmp_path: Path) -> None:
    from jixiao.errors import LLMConfigError

    with fault_server("500") as server:
        url = server.base_url
    with pytest.raises(LLMConfigError, match="cannot be reached"):
        open_provider(_settings(url, tmp_path, mode="auto"))


def test_retry_after_in_seconds_milliseconds_and_as_a_date() -> None:
    now = datetime(2026, 12, 2, 8, 0, 0, tzinfo=UTC)
    assert parse_retry_after(httpx2.Headers({"retry-after": "3"})) == 3.0
    assert parse_retry_after(httpx2.Headers({"retry-after-ms": "250"})) == 0.25
    later = format_datetime(now + timedelta(seconds=20), usegmt=True)
    assert parse_retry_after(httpx2.Headers({"retry-after": later}), now=now) == 20.0
    earlier = format_datetime(now - timedelta(seconds=20), usegmt=True)
    assert parse_retry_after(httpx2.Headers({"retry-after": earlier}), now=now) == 0.0
    assert parse_retry_after(httpx2.Headers({"retry-after": "soon"})) is None
    assert parse_retry_after(httpx2.Headers({})) is None
