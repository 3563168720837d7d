"""LLM extraction: a `Chunk` -> a `ChunkAnswer`, through `openai` + `instructor`.

In: a chunk (text, heading path, field groups), the settings and the prompts.
Out: the chunk's answer as a dict shaped like its response model, with usage and status.

Providers share one interface (`Provider.answer`):
- `openai`: any OpenAI-compatible endpoint, live;
- `replay`: the same client and instructor code, but the HTTP transport serves recorded
  responses and never opens a socket; a request with no recording fails the chunk with
  an error naming it;
- `none`: asks nothing (the rules extractor fills what it can).

Every call is cached (diskcache; key = hash of model, mode, prompt version, response
schema, sampling parameters and the rendered messages, never the API key), retried with
tenacity on transport errors, timeouts, 429 (honouring Retry-After) and 5xx, and
re-asked by instructor a bounded number of times on invalid output. A chunk that still
fails comes back `failed` with the reason; it is never dropped.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast
from urllib.parse import urlparse

import diskcache
import httpx2
import instructor
import openai
from instructor.core.exceptions import InstructorRetryException
from pydantic import BaseModel
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from jixiao.catalog import load_catalog
from jixiao.core import Chunk, ChunkAnswer, ChunkStatus, Usage
from jixiao.errors import LLMConfigError
from jixiao.recording import (
    CallRecording,
    Exchange,
    ReplayMissingError,
    ReplayStore,
    canonical_json,
    make_exchange,
    request_hash,
    write_recording,
)
from jixiao.schema import response_model_for
from jixiao.settings import LLMMode, ProviderName, Settings

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletionMessageParam

logger = logging.getLogger(__name__)

INSTRUCTOR_MODES = {
    LLMMode.TOOLS: instructor.Mode.TOOLS,
    LLMMode.JSON: instructor.Mode.JSON,
    LLMMode.JSON_SCHEMA: instructor.Mode.JSON_SCHEMA,
    LLMMode.MD_JSON: instructor.Mode.MD_JSON,
}
CACHE_FORMAT = 1


# --- prompts -------------------------------------------------------------------------


class PromptSet(BaseModel):
    system: str
    user: str
    version: str


def load_prompts(directory: Path | None = None) -> PromptSet:
    """Prompts from `directory`, or those shipped with jixiao.

    The version is the declared one plus a hash of the texts, so an edited prompt never
    reuses answers cached for the old one.
    """
    if directory is not None:

        def read(name: str) -> str:
            return (directory / name).read_text(encoding="utf-8")
    else:
        root = resources.files("jixiao.prompts")

        def read(name: str) -> str:
            return root.joinpath(name).read_text(encoding="utf-8")

    system, user = read("system.md"), read("user.md")
    declared = read("VERSION").strip()
    digest = hashlib.sha256((system + "\0" + user).encode("utf-8")).hexdigest()[:8]
    return PromptSet(system=system, user=user, version=f"{declared}+{digest}")


def build_messages(prompts: PromptSet, chunk: Chunk) -> list[dict[str, str]]:
    catalog = load_catalog()
    names = [spec.zh for group in chunk.groups for spec in catalog.fields_in(group)]
    names += [spec.zh for group in chunk.groups for spec in catalog.lists_in(group)]
    user = (
        prompts.user.replace("{heading_path}", " > ".join(chunk.heading_path) or "（报告开头）")
        .replace("{field_names}", "、".join(names))
        .replace("{chunk_text}", chunk.text)
    )
    return [{"role": "system", "content": prompts.system}, {"role": "user", "content": user}]


def cache_key(
    settings: Settings, prompt_version: str, schema: dict[str, Any], messages: list[dict]
) -> str:
    material = {
        "cache_format": CACHE_FORMAT,
        "model": settings.model,
        "mode": settings.mode.value,
        "prompt_version": prompt_version,
        "schema": schema,
        "sampling": settings.sampling(),
        "messages": messages,
    }
    return hashlib.sha256(canonical_json(material).encode("utf-8")).hexdigest()


# --- transport -----------------------------------------------------------------------


@dataclass
class CallMeter:
    """What one chunk call cost, counted from the HTTP responses themselves."""

    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    exchanges: list = field(default_factory=list)
    replay_missing: str | None = None


class MeteredTransport(httpx2.BaseTransport):
    """Counts, records (when asked) and forwards each request to the shared transport."""

    def __init__(
        self, inner: httpx2.BaseTransport, meter: CallMeter, record: bool, host: str | None
    ) -> None:
        self.inner, self.meter, self.record, self.host = inner, meter, record, host

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        response = self.inner.handle_request(request)
        response.read()
        self.meter.calls += 1
        if response.status_code == 200:
            body = response.json()
            usage = body.get("usage") or {}
            self.meter.input_tokens += int(usage.get("prompt_tokens") or 0)
            self.meter.output_tokens += int(usage.get("completion_tokens") or 0)
            if self.record:
                self.meter.exchanges.append(
                    make_exchange(json.loads(request.content), body, self.host)
                )
        elif response.status_code == ReplayTransport.MISSING_STATUS:
            self.meter.replay_missing = request_hash(json.loads(request.content))
        return response

    def close(self) -> None:  # the inner transport is shared; its owner closes it
        pass


class ReplayTransport(httpx2.BaseTransport):
    """Serves recorded responses by request hash; never touches the network."""

    MISSING_STATUS = 404

    def __init__(self, store: ReplayStore) -> None:
        self.store = store

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        recorded = self.store.response_for(json.loads(request.content))
        if recorded is None:
            return httpx2.Response(
                self.MISSING_STATUS,
                json={"error": {"message": "jixiao replay: no recording", "type": "replay"}},
                request=request,
            )
        return httpx2.Response(200, json=recorded, request=request)


# --- retries -------------------------------------------------------------------------


def _root_causes(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def is_transient(exc: BaseException) -> bool:
    """Network trouble, timeouts, 429 and 5xx are worth another try; nothing else is."""
    for cause in _root_causes(exc):
        if isinstance(cause, openai.APIConnectionError | openai.RateLimitError):
            return True
        if isinstance(cause, openai.APIStatusError) and cause.status_code >= 500:
            return True
    return False


def _retry_after_seconds(exc: BaseException | None) -> float | None:
    for cause in _root_causes(exc) if exc else []:
        if isinstance(cause, openai.APIStatusError):
            value = cause.response.headers.get("retry-after")
            if value:
                try:
                    return max(0.0, float(value))
                except ValueError:
                    return None
    return None


def make_wait(max_seconds: float):
    backoff = wait_exponential_jitter(initial=1, max=max_seconds, jitter=1)

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        retry_after = _retry_after_seconds(exc)
        if retry_after is not None:
            return min(retry_after, max_seconds)
        return backoff(state)

    return wait


def describe_error(exc: BaseException) -> str:
    causes = _root_causes(exc)
    root = causes[-1]
    api_error = next((c for c in causes if isinstance(c, openai.APIError)), None)
    if isinstance(exc, InstructorRetryException) and api_error is None:
        return f"invalid model output after {exc.n_attempts} attempt(s): {str(root)[:300]}"
    detail = f"{type(root).__name__}: {str(root)[:300]}"
    if api_error is not None and api_error is not root:
        return f"{type(api_error).__name__} ({detail})"
    return detail


# --- providers -----------------------------------------------------------------------


class Provider(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def model(self) -> str | None: ...

    def answer(self, chunk: Chunk, report: str) -> ChunkAnswer: ...

    def close(self) -> None: ...


class NoModelProvider:
    """Provider `none`: no LLM; every chunk is left to the rules extractor."""

    name = ProviderName.NONE.value
    model = None

    def answer(self, chunk: Chunk, report: str) -> ChunkAnswer:
        return ChunkAnswer(chunk_index=chunk.index, status=ChunkStatus.SKIPPED)

    def close(self) -> None:
        pass


class InstructorProvider:
    """Providers `openai` and `replay`: the real openai client and instructor."""

    def __init__(
        self,
        settings: Settings,
        prompts: PromptSet,
        inner: httpx2.BaseTransport,
        name: str,
        cache: diskcache.Cache | None,
    ) -> None:
        if not settings.model:
            raise LLMConfigError("no model name: set --model or JIXIAO_MODEL")
        self.settings, self.prompts, self.inner, self.name = settings, prompts, inner, name
        self.model = settings.model
        self.cache = cache
        self.host = urlparse(settings.base_url).hostname if settings.base_url else None
        self._lock = threading.Lock()

    def close(self) -> None:
        self.inner.close()
        if self.cache is not None:
            self.cache.close()

    def answer(self, chunk: Chunk, report: str) -> ChunkAnswer:
        started = time.monotonic()
        response_model = response_model_for(chunk.groups)
        messages = build_messages(self.prompts, chunk)
        key = chunk_cache_key(self.settings, self.prompts, chunk)
        recording = self.settings.record_dir is not None
        if self.cache is not None and not recording:
            cached = self.cache.get(key)
            if cached is not None:
                return ChunkAnswer(
                    chunk_index=chunk.index,
                    status=ChunkStatus.CACHED,
                    data=cached["data"],
                    usage=Usage(cache_hits=1),
                    seconds=time.monotonic() - started,
                )
        meter = CallMeter()
        try:
            result = self._call(response_model, messages, meter)
        except Exception as exc:
            logger.warning("chunk %d of %s failed", chunk.index, report, exc_info=True)
            if meter.replay_missing:
                error = str(
                    ReplayMissingError(
                        f"no recording for chunk {chunk.index} of {report} "
                        f"(request sha256 {meter.replay_missing[:16]}, cache key {key[:16]})"
                    )
                )
            else:
                error = describe_error(exc)
            return ChunkAnswer(
                chunk_index=chunk.index,
                status=ChunkStatus.FAILED,
                usage=_usage(meter),
                seconds=time.monotonic() - started,
                error=error,
            )
        data = result.model_dump(mode="json")
        usage = _usage(meter)
        if self.cache is not None:
            self.cache.set(
                key,
                {
                    "data": data,
                    "model": self.model,
                    "usage": usage.model_dump(),
                    "exchanges": [e.model_dump(mode="json") for e in meter.exchanges],
                },
            )
        if recording and self.settings.record_dir is not None:
            write_recording(
                self.settings.record_dir,
                CallRecording(
                    report=report, chunk=chunk.index, cache_key=key, exchanges=meter.exchanges
                ),
            )
        return ChunkAnswer(
            chunk_index=chunk.index,
            status=ChunkStatus.ANSWERED,
            data=data,
            usage=usage,
            seconds=time.monotonic() - started,
        )

    def _call(
        self, response_model: type[BaseModel], messages: list[dict], meter: CallMeter
    ) -> BaseModel:
        settings = self.settings
        # Exchanges are always kept: recordings are written from them, and the cache
        # keeps them so a reviewed report can be promoted to a golden case.
        transport = MeteredTransport(self.inner, meter, record=True, host=self.host)
        client = openai.OpenAI(
            base_url=settings.base_url or "http://replay.invalid/v1",
            api_key=settings.api_key_value(),
            http_client=httpx2.Client(transport=transport, timeout=settings.timeout_seconds),
            max_retries=0,  # tenacity below owns the retry policy
            timeout=settings.timeout_seconds,
        )
        patched = instructor.from_openai(client, mode=INSTRUCTOR_MODES[settings.mode])
        for attempt in Retrying(
            stop=stop_after_attempt(settings.transport_attempts),
            wait=make_wait(settings.backoff_max_seconds),
            retry=retry_if_exception(is_transient),
            reraise=True,
        ):
            with attempt:
                return patched.chat.completions.create(
                    model=settings.model,
                    messages=cast("list[ChatCompletionMessageParam]", messages),
                    response_model=response_model,
                    max_retries=settings.reask_retries,
                    **settings.sampling(),
                )
        raise AssertionError("unreachable: tenacity reraises the last error")


def _usage(meter: CallMeter) -> Usage:
    return Usage(
        calls=meter.calls, input_tokens=meter.input_tokens, output_tokens=meter.output_tokens
    )


def chunk_cache_key(settings: Settings, prompts: PromptSet, chunk: Chunk) -> str:
    """The cache key of a chunk's call under these settings."""
    schema = response_model_for(chunk.groups).model_json_schema()
    return cache_key(settings, prompts.version, schema, build_messages(prompts, chunk))


def cached_exchanges(settings: Settings, prompts: PromptSet, chunk: Chunk) -> list[Exchange]:
    """The HTTP exchanges the cache kept for this chunk's call (empty when it has none):
    what `promote` turns into recordings, without knowing the cache's own format."""
    key = chunk_cache_key(settings, prompts, chunk)
    with diskcache.Cache(str(settings.cache_dir)) as cache:
        entry = cache.get(key)
    if not entry:
        return []
    return [Exchange.model_validate(e) for e in entry.get("exchanges") or []]


def open_provider(settings: Settings) -> Provider:
    """The provider the settings ask for; raises `LLMConfigError` when it cannot work."""
    kind = settings.resolved_provider()
    if kind is ProviderName.NONE:
        return NoModelProvider()
    prompts = load_prompts(settings.prompts_dir)
    cache = None
    if kind is ProviderName.REPLAY:
        if settings.replay_dir is None:
            raise LLMConfigError("provider replay needs --replay DIR (a recordings folder)")
        try:
            store = ReplayStore(settings.replay_dir)
        except ReplayMissingError as exc:
            raise LLMConfigError(str(exc)) from exc
        if not settings.model:
            if len(store.models) != 1:
                raise LLMConfigError(
                    f"{settings.replay_dir}: recordings hold models {sorted(store.models)}; "
                    "name one with --model"
                )
            settings = settings.model_copy(update={"model": next(iter(store.models))})
        return InstructorProvider(settings, prompts, ReplayTransport(store), kind.value, None)
    if not settings.base_url and not settings.model:
        raise LLMConfigError("provider openai needs --base-url/--model or JIXIAO_* settings")
    if settings.use_cache:
        cache = diskcache.Cache(str(settings.cache_dir))
    inner = httpx2.HTTPTransport(retries=0)
    return InstructorProvider(settings, prompts, inner, kind.value, cache)
