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
    for name, value in {"year": YEAR, **fills}.items():
        pattern = pattern.replace("{" + name + "}", value)
    return re.compile(pattern)


@dataclass(frozen=True)
class Words:
    project_kind_words: tuple[str, ...]
    unit_kind_words: tuple[str, ...]
    unit_kind_hints: tuple[str, ...]
    org_suffix: re.Pattern[str]
    name_cell: re.Pattern[str]
    title_prefix: re.Pattern[str]
    title_tail: re.Pattern[str]
    filing_patterns: dict[str, re.Pattern[str]]
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
    name_short_forms: tuple[tuple[str, str], ...]
    non_money_headers: tuple[str, ...]


def parse_words(raw: dict[str, Any]) -> Words:
    name_end = raw["filing"]["name_end"]
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
            path: _compile(pattern, name_end=name_end)
            for path, pattern in raw["filing"]["patterns"].items()
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
