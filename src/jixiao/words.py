"""Domain words: `data/words.toml` -> the wordings and patterns the rules read reports by.

In: the words file shipped with the package (title words, filing patterns, indicator
columns, section headings, funds lines …).
Out: a `Words` object, read once, with every pattern compiled ("{year}" and "{name_end}"
filled in). Field wordings are in the catalog (`data/fields.toml`), not here.
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


def _compile_all(patterns: str | list[str], **fills: str) -> tuple[re.Pattern[str], ...]:
    """One pattern or a list of them, compiled in order."""
    listed = [patterns] if isinstance(patterns, str) else patterns
    return tuple(_compile(pattern, **fills) for pattern in listed)


@dataclass(frozen=True)
class Words:
    project_kind_words: tuple[str, ...]
    unit_kind_words: tuple[str, ...]
    unit_kind_hints: tuple[str, ...]
    org_suffix: re.Pattern[str]
    name_cell: re.Pattern[str]
    title_prefix: re.Pattern[str]
    title_tail: re.Pattern[str]
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
    non_money_headers: tuple[str, ...]


def parse_words(raw: dict[str, Any]) -> Words:
    filing = raw["filing"]
    fills = {key: filing[key] for key in ("name_end", "date", "phone", "gap", "grade")}
    suffixes = sorted(raw["unit_name"]["org_suffixes"], key=len, reverse=True)
    projects = raw["projects"]
    return Words(
        project_kind_words=tuple(raw["report_kind"]["project"]),
        unit_kind_words=tuple(raw["report_kind"]["unit"]),
        unit_kind_hints=tuple(raw["report_kind"]["unit_hints"]),
        org_suffix=re.compile("(?:" + "|".join(map(re.escape, suffixes)) + ")$"),
        name_cell=_compile(raw["unit_name"]["name_cell"]),
        title_prefix=_compile(raw["unit_name"]["title_prefix"]),
        title_tail=_compile(raw["unit_name"]["title_tail"]),
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
        non_money_headers=tuple(raw["index"]["non_money_headers"]),
    )


@cache
def load_words() -> Words:
    """The words shipped with jixiao (read once; immutable)."""
    text = resources.files("jixiao").joinpath("data/words.toml").read_text(encoding="utf-8")
    return parse_words(tomllib.loads(text))
