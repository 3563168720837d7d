"""Domain words: `data/words.toml` -> the wordings and patterns the rules read reports by.

In: the words file shipped with the package (title and report-kind words, the lines of
portal chrome, unit-name labels, filing patterns, indicator columns, section headings,
funds lines …).
Out: a `Words` object, read once, with every pattern compiled ("{year}" and "{name_end}"
filled in). Title, chrome, kind and unit-name patterns are matched on the folded view of
the text (`patterns.folded_view`: simplified, ASCII punctuation, no pinyin glosses).
Field wordings are in the catalog (`data/fields.toml`), not here.
"""

from __future__ import annotations

import logging
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from jixiao.patterns import YEAR

logger = logging.getLogger(__name__)


def _compile(pattern: str, **fills: str) -> re.Pattern[str]:
    for name, value in {**fills, "year": YEAR}.items():
        pattern = pattern.replace("{" + name + "}", value)
    return re.compile(pattern)


def _any_of(patterns: list[str]) -> re.Pattern[str]:
    return _compile("|".join(f"(?:{p})" for p in patterns))


def _compile_all(patterns: str | list[str], **fills: str) -> tuple[re.Pattern[str], ...]:
    """One pattern or a list of them, compiled in order."""
    listed = [patterns] if isinstance(patterns, str) else patterns
    return tuple(_compile(pattern, **fills) for pattern in listed)


@dataclass(frozen=True)
class Words:
    project_kind_words: tuple[str, ...]
    unit_kind_words: tuple[str, ...]
    unit_kind_hints: tuple[str, ...]
    project_kind_hints: tuple[str, ...]
    unit_forms: re.Pattern[str]
    project_forms: re.Pattern[str]
    title: re.Pattern[str]
    title_label_prefix: re.Pattern[str]
    title_years: tuple[re.Pattern[str], ...]
    spaced_year: re.Pattern[str]
    subtitle_year: re.Pattern[str]
    year_lines: tuple[re.Pattern[str], ...]
    head_chars: int
    chrome: re.Pattern[str]
    wrappers: re.Pattern[str]
    org_suffix: re.Pattern[str]
    name_labels: tuple[re.Pattern[str], ...]
    supervisor_labels: tuple[re.Pattern[str], ...]
    portal_labels: tuple[re.Pattern[str], ...]
    name_stops: tuple[str, ...]
    name_not: tuple[str, ...]
    name_not_first: str
    name_code: re.Pattern[str]
    title_year_suffix: re.Pattern[str]
    title_name_tail: re.Pattern[str]
    filing_patterns: dict[str, tuple[re.Pattern[str], ...]]
    filing_inferred_patterns: dict[str, tuple[re.Pattern[str], ...]]
    filing_not_after: dict[str, re.Pattern[str]]
    goal_expected: tuple[str, ...]
    goal_achieved: tuple[str, ...]
    indicator_columns: dict[str, tuple[str, ...]]
    indicator_total_row: tuple[str, ...]
    problem_headings: tuple[str, ...]
    improvement_headings: tuple[str, ...]
    project_prose: re.Pattern[str]
    project_parts: dict[str, re.Pattern[str]]
    funds_lines: tuple[str, ...]
    execution_rows: tuple[str, ...]
    label_tails: tuple[str, ...]
    part_words: tuple[str, ...]
    change_words: tuple[str, ...]
    wholes: tuple[str, ...]
    name_short_forms: tuple[tuple[str, str], ...]
    non_money_headers: tuple[str, ...]


def parse_words(raw: dict[str, Any]) -> Words:
    filing = raw["filing"]
    fills = {key: filing[key] for key in ("name_end", "date", "phone", "gap", "grade")}
    suffixes = sorted(raw["unit_name"]["org_suffixes"], key=len, reverse=True)
    projects = raw["projects"]
    kinds, title, unit = raw["report_kind"], raw["title"], raw["unit_name"]
    return Words(
        project_kind_words=tuple(kinds["project"]),
        unit_kind_words=tuple(kinds["unit"]),
        unit_kind_hints=tuple(kinds["unit_hints"]),
        project_kind_hints=tuple(kinds["project_hints"]),
        unit_forms=_any_of(kinds["unit_forms"]),
        project_forms=_any_of(kinds["project_forms"]),
        title=_compile(title["pattern"]),
        title_label_prefix=_compile(title["label_prefix"]),
        title_years=tuple(_compile(p) for p in title["years"]),
        spaced_year=_compile(title["spaced_year"]),
        subtitle_year=_compile(title["subtitle_year"]),
        year_lines=tuple(_compile(p) for p in title["year_lines"]),
        head_chars=int(title["head_chars"]),
        chrome=_any_of(raw["chrome"]["lines"]),
        wrappers=_any_of(raw["chrome"]["wrappers"]),
        org_suffix=re.compile("(?:" + "|".join(map(re.escape, suffixes)) + ")$"),
        name_labels=tuple(_compile(p) for p in unit["labels"]),
        supervisor_labels=tuple(_compile(p) for p in unit["supervisor_labels"]),
        portal_labels=tuple(_compile(p) for p in unit["portal_labels"]),
        name_stops=tuple(unit["name_stops"]),
        name_not=tuple(unit["name_not"]),
        name_not_first=unit["name_not_first"],
        name_code=_compile(unit["name_code"]),
        title_year_suffix=_compile(unit["title_year_suffix"]),
        title_name_tail=_compile(unit["title_name_tail"]),
        filing_patterns={
            path: _compile_all(patterns, **fills) for path, patterns in filing["patterns"].items()
        },
        filing_not_after={
            path: re.compile(words) for path, words in filing.get("not_after", {}).items()
        },
        filing_inferred_patterns={
            path: _compile_all(patterns, **fills)
            for path, patterns in filing.get("inferred_patterns", {}).items()
        },
        goal_expected=tuple(raw["goals"]["expected"]),
        goal_achieved=tuple(raw["goals"]["achieved"]),
        indicator_columns={k: tuple(v) for k, v in raw["indicators"]["columns"].items()},
        indicator_total_row=tuple(raw["indicators"]["total_row"]),
        problem_headings=tuple(raw["sections"]["problems"]),
        improvement_headings=tuple(raw["sections"]["improvements"]),
        project_prose=_compile(projects["prose"]),
        project_parts={
            part: _compile(projects[part])
            for part in ("budget_initial", "adjustment_up", "adjustment_down", "carryover")
        },
        funds_lines=tuple(projects["funds_lines"]),
        execution_rows=tuple(raw["execution"]["rows"]),
        label_tails=tuple(raw["grounding"]["label_tails"]),
        part_words=tuple(raw["grounding"]["part_words"]),
        change_words=tuple(raw["grounding"]["change_words"]),
        wholes=tuple(raw["grounding"]["wholes"]),
        name_short_forms=tuple(
            (pair[0], pair[1]) for pair in raw["grounding"]["name_short_forms"]
        ),
        non_money_headers=tuple(raw["index"]["non_money_headers"]),
    )


@cache
def load_words() -> Words:
    """The words shipped with jixiao (read once; immutable)."""
    text = resources.files("jixiao").joinpath("data/words.toml").read_text(encoding="utf-8")
    return parse_words(tomllib.loads(text))
