"""LLM extraction: a `Question` -> a `ChunkAnswer`, through `openai` + `instructor`.

In: a question (a few fields asked of a chunk's text), the settings and the prompts.
Out: the answer as a dict shaped like the question's response model, with usage and
status.

Providers share one interface (`Provider.answer`):
- `openai`: any OpenAI-compatible endpoint, live;
- `replay`: the same client and instructor code, but the HTTP transport serves recorded
  responses and never opens a socket; a request with no recording fails the chunk with
  an error naming it;
- `none`: asks nothing (the rules extractor fills what it can).

Every call is cached (diskcache; key = hash of model, mode, prompt version, response
schema, sampling parameters and the rendered messages, never the API key), retried with
tenacity on connection errors, 409, 429 (honouring Retry-After in seconds, milliseconds
or as a date) and 5xx, and re-asked by instructor a bounded number of times on invalid
output. Every call has a deadline (`timeout_seconds`); a call that passes it or runs out
of tokens is never sent again as it was: the question is split (`questions.
split_question`) and its parts asked. Two questions in a row that cannot reach the
endpoint open a circuit: the rest fail at once, named. A question that still fails
comes back `failed` with the reason (with whatever its parts did answer); it is never
dropped. The output mode (`auto`) is chosen once per endpoint by `probe`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast
from urllib.parse import urlparse

import diskcache
import httpx2
import instructor
import openai
from instructor.core.exceptions import IncompleteOutputException, InstructorRetryException
from pydantic import BaseModel
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from jixiao.catalog import load_catalog
from jixiao.core import ChunkAnswer, ChunkStatus, Question, Usage
from jixiao.errors import LLMConfigError
from jixiao.merge import coerce_value
from jixiao.probe import PROBE_FIELD, PROBE_TEXT, probe_endpoint
from jixiao.questions import split_question
from jixiao.recording import (
    TIMEOUT_RESPONSE,
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
CACHE_FORMAT = 2
# Calls one question may make in all, its splits included.
MAX_CALLS_PER_QUESTION = 8
# A server that does not accept the connection in this long is not there (a black-holed
# address must not cost the whole read deadline).
CONNECT_SECONDS = 5.0
# Questions in a row that could not connect before the circuit opens.
UNREACHABLE_IN_A_ROW = 2


# --- prompts -------------------------------------------------------------------------


class PromptSet(BaseModel):
    system: str  # the instructions and examples: the same on every request
    excerpt: str  # the chunk text and its heading path
    ask: str  # which fields to answer
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

    system, excerpt, ask = read("system.md"), read("excerpt.md"), read("ask.md")
    declared = read("VERSION").strip()
    digest = hashlib.sha256("\0".join((system, excerpt, ask)).encode("utf-8")).hexdigest()[:8]
    return PromptSet(system=system, excerpt=excerpt, ask=ask, version=f"{declared}+{digest}")


def field_names(question: Question) -> str:
    """The asked fields as the prompt names them: JSON key with its Chinese name."""
    catalog = load_catalog()
    names = [f"{spec.key}（{spec.zh}）" for spec in catalog.fields if spec.key in question.fields]
    names += [f"{spec.path}（{spec.zh}）" for spec in catalog.lists if spec.path in question.lists]
    return "、".join(names)


def build_messages(
    prompts: PromptSet, question: Question, mode: LLMMode = LLMMode.TOOLS
) -> list[dict[str, str]]:
    """The chat messages of a question.

    TOOLS: the instructions as the system message, the excerpt and the question as the
    user message (the shape the oracle reads). The JSON modes put the excerpt at the end
    of the system message and only the question in the user message: instructor adds
    the answer's schema after the system message, so the questions of one chunk share
    every token up to the schema and a server with prefix caching (llama.cpp) reads the
    excerpt once per chunk, not once per question.
    """
    excerpt = prompts.excerpt.replace(
        "{heading_path}", " > ".join(question.heading_path) or "（报告开头）"
    ).replace("{chunk_text}", question.text)
    ask = prompts.ask.replace("{field_names}", field_names(question))
    if mode is LLMMode.TOOLS:
        return [
            {"role": "system", "content": prompts.system},
            {"role": "user", "content": excerpt + "\n" + ask},
        ]
    return [
        {"role": "system", "content": prompts.system + "\n" + excerpt},
        {"role": "user", "content": ask},
    ]


def cache_key(
    settings: Settings,
    prompt_version: str,
    schema: dict[str, Any],
    messages: list[dict],
    mode: LLMMode | None = None,
    max_tokens: int | None = None,
) -> str:
    material = {
        "cache_format": CACHE_FORMAT,
        "model": settings.model,
        "mode": (mode or settings.mode).value,
        "prompt_version": prompt_version,
        "schema": schema,
        "sampling": settings.sampling(max_tokens),
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
        try:
            response = self.inner.handle_request(request)
            response.read()
        except httpx2.TimeoutException:
            self.meter.calls += 1
            if self.record:
                self.meter.exchanges.append(
                    make_exchange(json.loads(request.content), dict(TIMEOUT_RESPONSE), self.host)
                )
            raise
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
        if recorded == TIMEOUT_RESPONSE:
            raise httpx2.ReadTimeout("recorded: the call ran past its deadline", request=request)
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


def is_timeout(exc: BaseException) -> bool:
    """The call ran past its deadline (ours, or the server's 408)."""
    for cause in _root_causes(exc):
        if isinstance(cause, openai.APITimeoutError | httpx2.TimeoutException):
            return True
        if isinstance(cause, openai.APIStatusError) and cause.status_code == 408:
            return True
    return False


def is_truncated(exc: BaseException) -> bool:
    """The answer stopped at max_tokens (a runaway or too much asked at once)."""
    return any(isinstance(c, IncompleteOutputException) for c in _root_causes(exc))


def is_unreachable(exc: BaseException) -> bool:
    """No connection to the endpoint at all (refused, no route, name not known)."""
    causes = _root_causes(exc)
    return any(
        isinstance(c, openai.APIConnectionError) and not isinstance(c, openai.APITimeoutError)
        for c in causes
    ) and not is_timeout(exc)


def is_transient(exc: BaseException) -> bool:
    """Connection trouble, 409, 429 and 5xx are worth another try of the same request;
    a timeout is not (the same request would take as long again: it is split instead)."""
    if is_timeout(exc):
        return False
    for cause in _root_causes(exc):
        if isinstance(cause, openai.APIConnectionError | openai.RateLimitError):
            return True
        if isinstance(cause, openai.APIStatusError) and (
            cause.status_code >= 500 or cause.status_code == 409
        ):
            return True
    return False


def parse_retry_after(headers: Any, now: datetime | None = None) -> float | None:
    """Seconds to wait from `Retry-After-Ms`, or `Retry-After` as seconds or an HTTP date."""
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _retry_after_seconds(exc: BaseException | None) -> float | None:
    for cause in _root_causes(exc) if exc else []:
        if isinstance(cause, openai.APIStatusError):
            return parse_retry_after(cause.response.headers)
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
    if is_truncated(exc):
        return "the answer ran out of tokens"
    if is_timeout(exc):
        return "the call ran past its deadline"
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

    @property
    def mode(self) -> LLMMode | None: ...

    def answer(self, question: Question, report: str) -> ChunkAnswer: ...

    def close(self) -> None: ...


class NoModelProvider:
    """Provider `none`: no LLM; every field is left to the rules extractor."""

    name = ProviderName.NONE.value
    model = None
    mode = None

    def answer(self, question: Question, report: str) -> ChunkAnswer:
        return ChunkAnswer(chunk_index=question.chunk_index, status=ChunkStatus.SKIPPED)

    def close(self) -> None:
        pass


@dataclass
class Attempt:
    """What asking one question once gave: data, or the reason it failed."""

    data: dict[str, Any] | None
    usage: Usage
    cached: bool = False
    error: str | None = None
    shrink: bool = False  # timed out or ran out of tokens: ask its parts instead


class InstructorProvider:
    """Providers `openai` and `replay`: the real openai client and instructor."""

    def __init__(
        self,
        settings: Settings,
        prompts: PromptSet,
        inner: httpx2.BaseTransport,
        name: str,
        cache: diskcache.Cache | None,
        mode: LLMMode,
    ) -> None:
        if not settings.model:
            raise LLMConfigError("no model name: set --model or JIXIAO_MODEL")
        if mode is LLMMode.AUTO:
            raise LLMConfigError("the output mode must be resolved before asking")
        self.settings, self.prompts, self.inner, self.name = settings, prompts, inner, name
        self.model = settings.model
        self.mode = mode
        self.cache = cache
        self.host = urlparse(settings.base_url).hostname if settings.base_url else None
        self._lock = threading.Lock()
        self._unreachable_in_a_row = 0
        self._circuit_reason: str | None = None

    def close(self) -> None:
        self.inner.close()
        if self.cache is not None:
            self.cache.close()

    def answer(self, question: Question, report: str) -> ChunkAnswer:
        """Ask the question; on a timeout or truncation ask its parts (never the same
        request again); combine what every part answered."""
        started = time.monotonic()
        catalog = load_catalog()
        data: dict[str, Any] = {}
        usage = Usage()
        errors: list[str] = []
        any_cached, any_called = False, False
        pending = [question]
        while pending:
            current = pending.pop(0)
            if usage.calls >= MAX_CALLS_PER_QUESTION:
                errors.append(f"{current.label}: gave up after {usage.calls} calls")
                continue
            attempt = self._ask_once(current, report)
            usage.add(attempt.usage)
            any_cached |= attempt.cached
            any_called |= not attempt.cached
            if attempt.data is not None:
                for key, value in attempt.data.items():
                    if isinstance(value, list):
                        data.setdefault(key, [])
                        data[key] = data[key] + value
                    elif value is not None or key not in data:
                        data[key] = value
                continue
            if attempt.shrink:
                parts = split_question(current, catalog, self.settings.max_output_tokens)
                if parts:
                    logger.info(
                        "question %s of %s: %s; asking %d smaller parts",
                        current.label,
                        report,
                        attempt.error,
                        len(parts),
                    )
                    pending = parts + pending
                    continue
            errors.append(f"{current.label}: {attempt.error}")
        seconds = time.monotonic() - started
        if errors:
            return ChunkAnswer(
                chunk_index=question.chunk_index,
                status=ChunkStatus.FAILED,
                data=data,
                usage=usage,
                seconds=seconds,
                error="; ".join(errors),
            )
        status = ChunkStatus.CACHED if any_cached and not any_called else ChunkStatus.ANSWERED
        return ChunkAnswer(
            chunk_index=question.chunk_index,
            status=status,
            data=data,
            usage=usage,
            seconds=seconds,
        )

    def _ask_once(self, question: Question, report: str) -> Attempt:
        response_model = response_model_for(question.fields, question.lists)
        messages = build_messages(self.prompts, question, self.mode)
        key = question_cache_key(self.settings, self.prompts, question, self.mode)
        recording = self.settings.record_dir is not None
        if self.cache is not None and not recording:
            cached = self.cache.get(key)
            if cached is not None:
                return Attempt(data=cached["data"], usage=Usage(cache_hits=1), cached=True)
        with self._lock:
            circuit = self._circuit_reason
        if circuit is not None:
            return Attempt(data=None, usage=Usage(), error=circuit)
        meter = CallMeter()
        try:
            result = self._call(response_model, messages, meter, question.max_tokens)
        except Exception as exc:
            expected = is_timeout(exc) or is_truncated(exc)  # handled by splitting
            logger.warning(
                "question %s of %s failed: %s",
                question.label,
                report,
                describe_error(exc),
                exc_info=not expected,
            )
            self._write_recording(report, question, key, meter)
            if meter.replay_missing:
                error = str(
                    ReplayMissingError(
                        f"no recording for chunk {question.chunk_index} ({question.label}) "
                        f"of {report} (request sha256 {meter.replay_missing[:16]}, "
                        f"cache key {key[:16]})"
                    )
                )
            else:
                error = describe_error(exc)
            unreachable = is_unreachable(exc)
            self._note_reachability(unreachable, error)
            return Attempt(
                data=None,
                usage=_usage(meter),
                error=error,
                shrink=is_timeout(exc) or is_truncated(exc),
            )
        self._note_reachability(False, None)
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
        self._write_recording(report, question, key, meter)
        return Attempt(data=data, usage=usage)

    def _note_reachability(self, unreachable: bool, error: str | None) -> None:
        with self._lock:
            if not unreachable:
                self._unreachable_in_a_row = 0
                return
            self._unreachable_in_a_row += 1
            if self._unreachable_in_a_row >= UNREACHABLE_IN_A_ROW and not self._circuit_reason:
                self._circuit_reason = (
                    f"endpoint {self.settings.base_url} unreachable "
                    f"({self._unreachable_in_a_row} questions in a row: {error}); not asked"
                )
                logger.error("%s", self._circuit_reason)

    def _write_recording(self, report: str, question: Question, key: str, meter: CallMeter) -> None:
        if self.settings.record_dir is None or not meter.exchanges:
            return
        write_recording(
            self.settings.record_dir,
            CallRecording(
                report=report,
                chunk=question.chunk_index,
                part=question.part,
                cache_key=key,
                exchanges=meter.exchanges,
            ),
        )

    def _call(
        self,
        response_model: type[BaseModel],
        messages: list[dict],
        meter: CallMeter,
        max_tokens: int | None,
        timeout: float | None = None,
        mode: LLMMode | None = None,
        attempts: int | None = None,
    ) -> BaseModel:
        settings = self.settings
        deadline = timeout or settings.timeout_seconds
        # Exchanges are always kept: recordings are written from them, and the cache
        # keeps them so a reviewed report can be promoted to a golden case.
        transport = MeteredTransport(self.inner, meter, record=True, host=self.host)
        client = openai.OpenAI(
            base_url=settings.base_url or "http://replay.invalid/v1",
            api_key=settings.api_key_value(),
            http_client=httpx2.Client(
                transport=transport, timeout=httpx2.Timeout(deadline, connect=CONNECT_SECONDS)
            ),
            max_retries=0,  # tenacity below owns the retry policy
            timeout=httpx2.Timeout(deadline, connect=CONNECT_SECONDS),
        )
        patched = instructor.from_openai(client, mode=INSTRUCTOR_MODES[mode or self.mode])
        for attempt in Retrying(
            stop=stop_after_attempt(attempts or settings.transport_attempts),
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
                    **settings.sampling(max_tokens),
                )
        raise AssertionError("unreachable: tenacity reraises the last error")

    def probe(self, mode: LLMMode, deadline: float) -> tuple[Any, str | None, bool]:
        """Ask the probe's one synthetic question in `mode` (see `probe`): (value,
        error, unreachable). One try, a short deadline, nothing cached or recorded."""
        question = Question(
            chunk_index=0,
            part="probe",
            start=0,
            end=len(PROBE_TEXT),
            text=PROBE_TEXT,
            fields=[PROBE_FIELD],
            max_tokens=120,
        )
        meter = CallMeter()
        spec = next(s for s in load_catalog().fields if s.key == PROBE_FIELD)
        try:
            result = self._call(
                response_model_for(question.fields),
                build_messages(self.prompts, question, mode),
                meter,
                question.max_tokens,
                timeout=min(self.settings.timeout_seconds, deadline),
                mode=mode,
                attempts=1,
            )
        except Exception as exc:  # a mode the server rejects is an answer too
            return None, describe_error(exc), is_unreachable(exc)
        item = result.model_dump(mode="json").get(PROBE_FIELD) or {}
        return coerce_value(spec, item.get("value")), None, False


def _usage(meter: CallMeter) -> Usage:
    return Usage(
        calls=meter.calls, input_tokens=meter.input_tokens, output_tokens=meter.output_tokens
    )


def question_cache_key(
    settings: Settings, prompts: PromptSet, question: Question, mode: LLMMode
) -> str:
    """The cache key of a question's call under these settings and mode."""
    schema = response_model_for(question.fields, question.lists).model_json_schema()
    return cache_key(
        settings,
        prompts.version,
        schema,
        build_messages(prompts, question, mode),
        mode=mode,
        max_tokens=question.max_tokens,
    )


def cached_exchanges(
    settings: Settings, prompts: PromptSet, question: Question, mode: LLMMode
) -> list[Exchange]:
    """The HTTP exchanges the cache kept for this question's call (empty when it has
    none): what `promote` turns into recordings, without knowing the cache's format."""
    key = question_cache_key(settings, prompts, question, mode)
    with diskcache.Cache(str(settings.cache_dir)) as cache:
        entry = cache.get(key)
    if not entry:
        return []
    return [Exchange.model_validate(e) for e in entry.get("exchanges") or []]


def replay_mode(settings: Settings, store: ReplayStore) -> LLMMode:
    """The mode to replay in: the one asked, or the one the recordings were made in."""
    if settings.mode is not LLMMode.AUTO:
        return settings.mode
    modes = store.modes
    if len(modes) == 1:
        return LLMMode(next(iter(modes)))
    if not modes:
        return LLMMode.TOOLS
    raise LLMConfigError(
        f"{settings.replay_dir}: recordings were made in modes {sorted(modes)}; "
        "name one with --mode"
    )


def open_provider(settings: Settings) -> Provider:
    """The provider the settings ask for; raises `LLMConfigError` when it cannot work.

    With mode `auto` a live endpoint is probed once (see `probe`), which also tells a
    dead endpoint at once."""
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
        if not settings.model and not store.models:
            # Nothing was recorded (the model was asked nothing): any question is missing.
            settings = settings.model_copy(update={"model": "(nothing recorded)"})
        if not settings.model:
            if len(store.models) != 1:
                raise LLMConfigError(
                    f"{settings.replay_dir}: recordings hold models {sorted(store.models)}; "
                    "name one with --model"
                )
            settings = settings.model_copy(update={"model": next(iter(store.models))})
        return InstructorProvider(
            settings,
            prompts,
            ReplayTransport(store),
            kind.value,
            None,
            replay_mode(settings, store),
        )
    if not settings.base_url and not settings.model:
        raise LLMConfigError("provider openai needs --base-url/--model or JIXIAO_* settings")
    if settings.use_cache:
        cache = diskcache.Cache(str(settings.cache_dir))
    inner = httpx2.HTTPTransport(retries=0)
    mode = settings.mode
    if mode is LLMMode.AUTO:
        prober = InstructorProvider(settings, prompts, inner, kind.value, None, LLMMode.TOOLS)
        try:
            mode = probe_endpoint(
                prober.probe, settings.cache_dir, settings.base_url, settings.model
            )
        except LLMConfigError:
            inner.close()
            if cache is not None:
                cache.close()
            raise
    return InstructorProvider(settings, prompts, inner, kind.value, cache, mode)
