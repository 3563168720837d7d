"""Recordings: the HTTP exchanges of real LLM calls, kept as reviewable JSON.

In: request and response bodies seen by the transport the openai client sends through.
Out: one pretty-printed JSON file per question (`<dir>/<report>/chunk-NNa.json`) with
the cache key, and per HTTP exchange the request (model, messages, schema, params), the
raw response, the model name, the endpoint host and the time. No headers are kept, so
no API key can reach a recording. `ReplayStore` serves them back by request hash.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from jixiao.errors import ReplayMissingError
from jixiao.files import write_text_atomic

logger = logging.getLogger(__name__)

RECORDING_VERSION = 1


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def request_hash(body: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()


class Exchange(BaseModel):
    request_sha256: str
    request: dict[str, Any]
    response: dict[str, Any]
    model: str | None = None
    host: str | None = None
    time: str


class CallRecording(BaseModel):
    recording_version: int = RECORDING_VERSION
    report: str
    chunk: int
    part: str = ""  # which question of the chunk ("a", "b", "a1" after a split)
    cache_key: str
    exchanges: list[Exchange] = Field(default_factory=list)


def make_exchange(request: dict[str, Any], response: dict[str, Any], host: str | None) -> Exchange:
    return Exchange(
        request_sha256=request_hash(request),
        request=request,
        response=response,
        model=response.get("model") or request.get("model"),
        host=host,
        time=datetime.now(UTC).isoformat(timespec="seconds"),
    )


# A call that ran past its deadline is recorded with this response, so a replay meets
# the same timeout (and splits the question the same way) without waiting for it.
TIMEOUT_RESPONSE = {"jixiao_replay": "timeout"}


def request_mode(request: dict[str, Any]) -> str:
    """The instructor mode a recorded request was made in, read off its shape."""
    if request.get("tools"):
        return "tools"
    response_format = request.get("response_format") or {}
    if response_format.get("type") == "json_object":
        return "json"
    if response_format.get("type") == "json_schema":
        return "json_schema"
    return "md_json"


def recording_path(directory: Path, report: str, chunk: int, part: str = "") -> Path:
    return directory / report / f"chunk-{chunk:02d}{part}.json"


def write_recording(directory: Path, recording: CallRecording) -> Path:
    path = recording_path(directory, recording.report, recording.chunk, recording.part)
    text = json.dumps(recording.model_dump(mode="json"), ensure_ascii=False, indent=2)
    write_text_atomic(path, text + "\n")
    return path


class ReplayStore:
    """Recorded responses indexed by the hash of the exact request that produced them."""

    def __init__(self, directory: Path) -> None:
        if not directory.is_dir():
            raise ReplayMissingError(f"{directory}: recordings folder not found")
        self.directory = directory
        self._responses: dict[str, dict[str, Any]] = {}
        self._models: set[str] = set()
        self._modes: set[str] = set()
        self._lock = threading.Lock()
        for path in sorted(directory.rglob("*.json")):
            try:
                recording = CallRecording.model_validate_json(path.read_text(encoding="utf-8"))
            except ValueError as exc:
                raise ReplayMissingError(f"{path}: not a jixiao recording ({exc})") from exc
            for exchange in recording.exchanges:
                self._responses[exchange.request_sha256] = exchange.response
                if exchange.request.get("model"):
                    self._models.add(str(exchange.request["model"]))
                self._modes.add(request_mode(exchange.request))

    def __len__(self) -> int:
        return len(self._responses)

    @property
    def models(self) -> set[str]:
        return set(self._models)

    @property
    def modes(self) -> set[str]:
        """The output modes the recorded requests were made in (`tools`, `json`, …)."""
        return set(self._modes)

    def response_for(self, body: dict[str, Any]) -> dict[str, Any] | None:
        with self._lock:
            return self._responses.get(request_hash(body))
