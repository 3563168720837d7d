"""The flag catalog: flag codes -> severity and words, and flags -> Chinese sentences.

In: `data/flags.toml` (shipped with the package): one `[code]` table per flag with
`severity`, `zh` and `en` (and `sum_words` for the sum checks), `[[reading]]` patterns
that read the parts out of the English messages the validator writes today, and
`[[tolerance]]` patterns for the tolerance notes inside them.
Out: `load_flags()`, the catalog by code; `flag_words()`, the Chinese words for each code;
`describe(flag, ...)`, one flag as the Chinese sentence a reviewer reads (its parts filled
in, field paths named in Chinese). Nothing here knows about reports beyond one flag.
"""

from __future__ import annotations

import logging
import re
import tomllib
from collections.abc import Callable, Mapping
from functools import cache
from importlib import resources
from typing import Any

from pydantic import BaseModel, Field

from jixiao.core import Severity

logger = logging.getLogger(__name__)

_PATH = re.compile(r"\b[a-z][a-z_]*(?:\.[a-z_]+|\[\d+\])+(?:\.[a-z_]+)*\b")


class FlagSpec(BaseModel):
    code: str
    severity: Severity
    zh: str
    en: str
    sum_words: str | None = None  # sum checks: what the terms add up to, in Chinese

    @property
    def words(self) -> str:
        """The words a reviewer reads for this code (Chinese)."""
        return self.zh


class Reading(BaseModel):
    """How one shape of English message reads in Chinese."""

    codes: list[str] = Field(default_factory=list)
    pattern: re.Pattern[str]
    zh: str


class MessageTemplate(BaseModel):
    """One message's words, Chinese and English, with `{part}` places."""

    zh: str
    en: str


class FlagCatalog(BaseModel):
    codes: dict[str, FlagSpec]
    readings: list[Reading]
    tolerances: list[Reading]
    messages: dict[str, MessageTemplate] = Field(default_factory=dict)
    choices: dict[str, dict[str, str]] = Field(default_factory=dict)


# The unit a figure of each field kind is written with (money in 万元).
UNIT_OF_KIND = {"money": "万元", "percent": "%", "count": "人", "score": "分"}
_CJK = re.compile(r"[\u4e00-\u9fff]")
_ENGLISH = re.compile(r"\b[a-z]{2,} [a-z]{2,}\b")  # two English words in a row


@cache
def load_catalog() -> FlagCatalog:
    """The whole flag catalog shipped with jixiao (read once; it is immutable data)."""
    text = resources.files("jixiao").joinpath("data/flags.toml").read_text(encoding="utf-8")
    raw = tomllib.loads(text)
    readings = [Reading.model_validate(r) for r in raw.pop("reading", [])]
    tolerances = [Reading.model_validate(r) for r in raw.pop("tolerance", [])]
    messages = {k: MessageTemplate.model_validate(v) for k, v in raw.pop("message", {}).items()}
    choices = raw.pop("choices", {})
    codes = {code: FlagSpec(code=code, **body) for code, body in raw.items()}
    for reading in readings:
        unknown = set(reading.codes) - set(codes)
        if unknown:
            raise ValueError(f"flags.toml: a reading names unknown codes {sorted(unknown)}")
    return FlagCatalog(
        codes=codes, readings=readings, tolerances=tolerances, messages=messages, choices=choices
    )


def load_flags() -> dict[str, FlagSpec]:
    """The flag catalog by code."""
    return load_catalog().codes


def flag_words() -> dict[str, str]:
    """Code -> the Chinese words shown to a reviewer."""
    return {code: spec.words for code, spec in load_flags().items()}


def _fill(template: str, parts: Mapping[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: parts.get(m[1], ""), template)


def message(key: str, language: str = "zh", /, **parts: object) -> str:
    """The message `key` of flags.toml in `language` ("zh" or "en"), its parts filled in
    (as text; a part not given is left empty). Raises KeyError for an unknown key."""
    template = load_catalog().messages[key]
    words = template.en if language == "en" else template.zh
    return _fill(words, {name: str(value) for name, value in parts.items()})


def choice_words() -> dict[str, dict[str, str]]:
    """Field path -> the words of each of its enumerated values (report_kind: unit -> 单位整体)."""
    return load_catalog().choices


def with_unit(number: str, kind: str | None) -> str:
    """A figure written with its field kind's unit: `80.25 万元`, `95%`, `12人`, `90分`."""
    unit = UNIT_OF_KIND.get(str(kind), "") if kind else ""
    return f"{number}{' ' if unit == '万元' else ''}{unit}"


def describe(
    flag: Mapping[str, Any],
    name_of: Callable[[str], str | None] = lambda path: None,
    value_of: Callable[[str, str], str] = lambda path, value: value,
) -> str:
    """A flag (a dict with `code`, `message` and `field`) -> the Chinese sentence a
    reviewer reads. `name_of(path)` gives a field path's Chinese name (None if it is not
    one); `value_of(field, text)` shows a value of the flagged field as the reviewer should
    see it (e.g. `unit` as 单位整体). A Chinese message (what jixiao writes now) reads as
    it is; an older English one is read by the `[[reading]]` it matches; one no reading
    matches reads as the code's catalog words; an unknown code reads as 未知标记."""
    catalog = load_catalog()
    code = str(flag.get("code", ""))
    spec = catalog.codes.get(code)
    if spec is None:
        logger.warning("flag code %r is not in flags.toml", code)
        return "未知标记"
    message = str(flag.get("message") or "")
    field = str(flag.get("field") or "")
    for reading in catalog.readings:
        if code not in reading.codes:
            continue
        match = reading.pattern.match(message)
        if match is None:
            continue
        parts = {k: v for k, v in match.groupdict().items() if v is not None}
        for key in ("value", "model", "others"):
            if key in parts:
                parts[key] = value_of(field, parts[key])
        if "tolerance" in parts:
            parts["tolerance"] = _tolerance(catalog, parts["tolerance"])
        if "key" in parts:
            parts["key"] = name_of(parts["key"]) or parts["key"]
        parts = {k: _name_paths(v, name_of) for k, v in parts.items()}
        parts["sum_words"] = spec.sum_words or spec.zh
        return _fill(reading.zh, parts)
    if _CJK.search(message) and not _ENGLISH.search(message) and not _PATH.search(message):
        return message
    return spec.zh


def _tolerance(catalog: FlagCatalog, note: str) -> str:
    for reading in catalog.tolerances:
        match = reading.pattern.match(note)
        if match is not None:
            return _fill(reading.zh, match.groupdict())
    return note if not re.search(r"[A-Za-z]", note) else ""


def _name_paths(text: str, name_of: Callable[[str], str | None]) -> str:
    """Field paths inside a part -> Chinese names; `path=value` -> `名称 value`."""

    def named(match: re.Match[str]) -> str:
        name = name_of(match[0])
        return name if name else match[0]

    text = _PATH.sub(named, text)
    return re.sub(r"(?<=[\u4e00-\u9fff）)])=(?=\S)", " ", text)
