"""Lists: the rules' reading of list fields -> typed items, no LLM.

In: a `RuleContext` (normalized text, blocks, sections, number index).
Out: `Indicator`s read from an indicator table (a header row naming 三级指标 and
指标值/得分 columns), `Project`s from sentences that state a project's spending, and
`Problem`s / `Improvement`s from the paragraphs of sections whose heading names them.
Each item carries the evidence span it was read from. The wordings are data
(`data/words.toml`).
"""

from __future__ import annotations

import logging
import re
from decimal import Decimal

from jixiao.core import (
    BlockKind,
    Cell,
    Improvement,
    Indicator,
    ListItem,
    Problem,
    Project,
    TextItem,
)
from jixiao.evidence import evidence_of, squash
from jixiao.figures import parse_figure, parse_money, strip_zeros
from jixiao.rules import RuleContext, aligned_cell, column_of
from jixiao.words import load_words

logger = logging.getLogger(__name__)

_LEVEL_POINTS = re.compile(r"\s*[（(]\d+分[）)]\s*$")  # "产出指标（50分）" names the level
_EMPTY_NAMES = ("无", "——", "/")
MIN_PARAGRAPH_CHARS = 6


def indicator_items(ctx: RuleContext) -> list[Indicator]:
    """Rows of every indicator table, the levels carried down merged cells."""
    words = load_words()
    items: list[Indicator] = []
    for table in ctx.tables:
        header: list[Cell] | None = None
        columns: dict[str, int] = {}
        carried: dict[str, str | None] = {"level1": None, "level2": None}
        for row in table.rows:
            texts = [c.text for c in row]
            if header is None:
                found = {
                    key: column_of(texts, names) for key, names in words.indicator_columns.items()
                }
                if found["name"] is not None and (
                    found["target"] is not None or found["score"] is not None
                ):
                    header, columns = row, {k: v for k, v in found.items() if v is not None}
                continue
            if texts and texts[0].strip().startswith(words.indicator_total_row):
                break
            item = _indicator_row(ctx.text, header, row, columns, carried)
            if item is not None:
                items.append(item)
    return items


def _indicator_row(
    text: str,
    header: list[Cell],
    row: list[Cell],
    columns: dict[str, int],
    carried: dict[str, str | None],
) -> Indicator | None:
    cells = {key: aligned_cell(header, row, column) for key, column in columns.items()}
    values = {key: (cell.text.strip() if cell is not None else "") for key, cell in cells.items()}
    for level in ("level1", "level2"):
        if values.get(level):
            carried[level] = _LEVEL_POINTS.sub("", values[level].replace("\n", ""))
    name_cell = cells.get("name")
    name = values.get("name", "")
    if name_cell is None or not name or name in _EMPTY_NAMES:
        return None
    figures: dict[str, Decimal | None] = {}
    for key in Indicator.FIGURES:
        figure = parse_figure(values.get(key) or None)
        figures[key] = None if figure is None else strip_zeros(figure.value)
    return Indicator(
        level1=carried["level1"],
        level2=carried["level2"],
        name=name.replace("\n", ""),
        target=values.get("target") or None,
        actual=values.get("actual") or None,
        deviation=values.get("deviation") or None,
        **figures,
        evidence=[evidence_of(text, name_cell.start, name_cell.end)],
    )


def project_items(ctx: RuleContext) -> list[Project]:
    """Projects from sentences like 项目“…”年初预算3万元，调增…，实际支出10.15万元…"""
    words = load_words()
    items: dict[str, Project] = {}
    for match in words.project_prose.finditer(ctx.text):
        name = match.group("name").strip()
        body = match.group("body")
        parts = {key: pattern.findall(body) for key, pattern in words.project_parts.items()}
        initial = parts["budget_initial"]
        up, down = parts["adjustment_up"], parts["adjustment_down"]
        adjustment: Decimal | None = None
        if len(up) == 1 and not down:
            adjustment = parse_money(up[0])
        elif len(down) == 1 and not up:
            down_money = parse_money(down[0])
            adjustment = None if down_money is None else -down_money
        project = Project(
            name=name,
            budget_initial=parse_money(initial[0]) if len(initial) == 1 else None,
            adjustment=adjustment,
            actual=parse_money(match.group("actual")),
            carryover=parse_money(parts["carryover"][0]) if parts["carryover"] else None,
            evidence=[evidence_of(ctx.text, match.start(), match.end())],
        )
        items.setdefault(squash(name), project)
    return list(items.values())


def section_items(
    ctx: RuleContext, item_type: type[TextItem], headings: tuple[str, ...], avoid: tuple[str, ...]
) -> list[TextItem]:
    """Paragraphs of the sections whose own heading names the topic."""
    items: list[TextItem] = []
    for section in ctx.sections:
        heading = section.heading
        if not any(word in heading for word in headings):
            continue
        if any(word in heading for word in avoid) and not any(
            heading.rstrip().endswith(word) for word in headings
        ):
            continue
        for block in section.blocks:
            if block.kind is not BlockKind.PARAGRAPH:
                continue
            body = ctx.text[block.start : block.end].strip()
            if len(body) >= MIN_PARAGRAPH_CHARS:
                items.append(
                    item_type(text=body, evidence=[evidence_of(ctx.text, block.start, block.end)])
                )
    return items


def build_lists(ctx: RuleContext) -> dict[str, list[ListItem]]:
    """Every list field as the rules read it, by field path."""
    words = load_words()
    return {
        "indicators": list(indicator_items(ctx)),
        "projects": list(project_items(ctx)),
        "problems": list(
            section_items(ctx, Problem, words.problem_headings, words.improvement_headings)
        ),
        "improvements": list(
            section_items(ctx, Improvement, words.improvement_headings, words.problem_headings)
        ),
    }
