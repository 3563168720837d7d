"""Evidence: a quote -> the span of the normalized text that holds it.

In: the normalized text, a quote (from a model or a rule) and an optional window.
Out: `Evidence` whose `quote` is exactly `text[start:end]`. Models copy quotes loosely
(dropped spaces, a full-width comma, a line break); the search first tries the exact
quote, then the quote with white space made optional and figure punctuation folded.
"""

from __future__ import annotations

import logging
import re

from jixiao.core import Evidence, MatchQuality
from jixiao.patterns import FOLD, FULLWIDTH_FORMS

logger = logging.getLogger(__name__)

_UNFOLD: dict[str, set[str]] = {}
for _wide, _narrow in FULLWIDTH_FORMS.items():
    _UNFOLD.setdefault(_narrow, {_narrow}).add(_wide)
MIN_QUOTE_CHARS = 2
MAX_QUOTE_CHARS = 400


def locate(text: str, quote: str | None, window: tuple[int, int] | None = None) -> Evidence | None:
    """Where `quote` stands in `text` (inside `window` first, then anywhere)."""
    if not quote:
        return None
    quote = quote.strip().strip("“”\"'「」")
    if len(quote) < MIN_QUOTE_CHARS or len(quote) > MAX_QUOTE_CHARS:
        return None
    ranges = [window, None] if window else [None]
    for bounds in ranges:
        start, end = bounds if bounds else (0, len(text))
        position = text.find(quote, start, end)
        if position >= 0:
            return Evidence(start=position, end=position + len(quote), quote=quote)
        match = _loose_pattern(quote).search(text, start, end)
        if match:
            return Evidence(
                start=match.start(),
                end=match.end(),
                quote=match.group(0),
                match=MatchQuality.LOOSE,
            )
    return None


def _loose_pattern(quote: str) -> re.Pattern[str]:
    characters = [c for c in quote.translate(FOLD) if not c.isspace()]
    parts = []
    for character in characters:
        variants = sorted(_UNFOLD.get(character, {character}))
        parts.append("[" + "".join(re.escape(v) for v in variants) + "]")
    return re.compile(r"\s*".join(parts))


def evidence_of(text: str, start: int, end: int) -> Evidence:
    return Evidence(start=start, end=end, quote=text[start:end])


def squash(text: str) -> str:
    """Text compared without white space and with figure punctuation folded."""
    return "".join(text.translate(FOLD).split())


def unique_spans(groups) -> list[Evidence]:
    """The distinct evidence spans of some candidates, in text order."""
    spans: dict[tuple[int, int], Evidence] = {}
    for candidate in groups:
        for evidence in candidate.evidence:
            spans.setdefault((evidence.start, evidence.end), evidence)
    return sorted(spans.values(), key=lambda e: e.start)
