"""Probe: which output mode an endpoint answers in, decided once and remembered.

In: a function that asks one small synthetic question in a given mode (from `llm`), the
endpoint's URL and model name, and the cache folder.
Out: the `LLMMode` to use. Each of tools, JSON and JSON in a fenced block is tried once
on a one-sentence excerpt whose answer is known; among the modes that answer it right
the fastest is chosen, and one within a quarter of the fastest's time that comes earlier
in that order wins (a grammar-constrained mode can make a small local model ten times
slower; on a large endpoint the three take about as long, and tools is kept).
The choice is written to `<cache>/endpoints.json` under the URL and model (never the
key) and reused by every later run; delete the entry or pass `--mode` to override.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from jixiao.errors import LLMConfigError
from jixiao.files import write_text_atomic
from jixiao.settings import LLMMode

logger = logging.getLogger(__name__)

PROBE_ORDER = (LLMMode.TOOLS, LLMMode.JSON, LLMMode.MD_JSON)
PROBE_TEXT = "本年度预算执行率为97.35%，较上年提高2.1个百分点。"
PROBE_FIELD = "funds_execution_rate"
PROBE_VALUE = Decimal("97.35")
ENDPOINTS_FILE = "endpoints.json"
# A mode earlier in PROBE_ORDER is kept when it took at most this much more than the fastest.
SLOWER_ALLOWED = 1.25


@dataclass(frozen=True)
class ProbeOutcome:
    """One mode's try: whether it answered right, how long it took, what went wrong."""

    mode: LLMMode
    right: bool
    seconds: float
    error: str | None = None
    unreachable: bool = False


# (mode, deadline in seconds) -> (value answered or None, error or None, unreachable)
AskProbe = Callable[[LLMMode, float], tuple[Any, str | None, bool]]
PROBE_DEADLINE_SECONDS = 90.0


def endpoint_key(base_url: str | None, model: str | None) -> str:
    return f"{base_url or ''} {model or ''}"


def remembered_mode(cache_dir: Path, base_url: str | None, model: str | None) -> LLMMode | None:
    entry = _read(cache_dir).get(endpoint_key(base_url, model))
    if not entry:
        return None
    try:
        return LLMMode(entry["mode"])
    except (KeyError, ValueError):
        return None


def choose_mode(outcomes: list[ProbeOutcome]) -> LLMMode | None:
    """The mode to use given each mode's probe outcome (None: none answered right)."""
    right = [o for o in outcomes if o.right]
    if not right:
        return None
    fastest = min(o.seconds for o in right)
    for outcome in right:  # in PROBE_ORDER
        if outcome.seconds <= fastest * SLOWER_ALLOWED:
            return outcome.mode
    raise AssertionError("unreachable: the fastest is within its own time")


def probe_endpoint(
    ask: AskProbe, cache_dir: Path, base_url: str | None, model: str | None
) -> LLMMode:
    """The endpoint's mode: remembered, or probed now and remembered.

    Raises `LLMConfigError` when the endpoint cannot be reached at all (a preflight: a
    wrong URL is said at once instead of failing every chunk), or when no mode gives a
    usable answer.
    """
    known = remembered_mode(cache_dir, base_url, model)
    if known is not None:
        logger.info("endpoint %s: mode %s (probed earlier)", base_url, known.value)
        return known
    outcomes: list[ProbeOutcome] = []
    # Cheapest first: a server that cannot cancel a request keeps computing after a
    # deadline, which would slow the modes probed after it.
    for mode in reversed(PROBE_ORDER):
        # A mode that cannot answer within the allowance of the fastest right one so far
        # cannot be chosen: it is not waited for longer than that.
        fastest = min((o.seconds for o in outcomes if o.right), default=None)
        deadline = PROBE_DEADLINE_SECONDS
        if fastest is not None:
            deadline = min(deadline, fastest * SLOWER_ALLOWED + 1.0)
        started = time.monotonic()
        value, error, unreachable = ask(mode, deadline)
        seconds = time.monotonic() - started
        right = error is None and value is not None and _same(value, PROBE_VALUE)
        outcomes.append(ProbeOutcome(mode, right, round(seconds, 2), error, unreachable))
        logger.info(
            "probe %s mode %s: %s in %.1f s%s",
            base_url,
            mode.value,
            "right" if right else "not right",
            seconds,
            f" ({error})" if error else "",
        )
        if unreachable:
            raise LLMConfigError(f"the endpoint {base_url} cannot be reached: {error}")
    # The first mode asked paid for reading the instructions, which a server with prefix
    # caching then reuses for the others: it is timed again, now on equal terms.
    first = outcomes[0]
    if first.right:
        started = time.monotonic()
        value, error, _ = ask(first.mode, PROBE_DEADLINE_SECONDS)
        again = round(time.monotonic() - started, 2)
        if error is None and value is not None and _same(value, PROBE_VALUE):
            outcomes[0] = ProbeOutcome(first.mode, True, min(first.seconds, again))
    outcomes.sort(key=lambda o: PROBE_ORDER.index(o.mode))
    chosen = choose_mode(outcomes)
    if chosen is None:
        answered = [o.mode for o in outcomes if o.error is None]
        if not answered:
            reasons = "; ".join(f"{o.mode.value}: {o.error}" for o in outcomes)
            raise LLMConfigError(
                f"the endpoint {base_url} ({model}) gave no usable answer in any mode ({reasons})"
            )
        # It answers, only not this question right: use the first mode it answers in.
        chosen = answered[0]
    _remember(cache_dir, base_url, model, chosen, outcomes)
    return chosen


def _same(value: Any, expected: Decimal) -> bool:
    try:
        return Decimal(str(value)) == expected
    except ArithmeticError:
        return False


def _read(cache_dir: Path) -> dict[str, Any]:
    path = cache_dir / ENDPOINTS_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        logger.warning("%s is unreadable; probing again", path)
        return {}
    return data if isinstance(data, dict) else {}


def _remember(
    cache_dir: Path,
    base_url: str | None,
    model: str | None,
    mode: LLMMode,
    outcomes: list[ProbeOutcome],
) -> None:
    data = _read(cache_dir)
    data[endpoint_key(base_url, model)] = {
        "mode": mode.value,
        "probed": datetime.now(UTC).isoformat(timespec="seconds"),
        "outcomes": [
            {"mode": o.mode.value, "right": o.right, "seconds": o.seconds, "error": o.error}
            for o in outcomes
        ],
    }
    cache_dir.mkdir(parents=True, exist_ok=True)
    write_text_atomic(
        cache_dir / ENDPOINTS_FILE, json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    )
