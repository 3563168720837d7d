"""Chunk: sections -> `Chunk`s that fit a token budget.

In: the normalized text, its sections (with blocks) and a token budget.
Out: `Chunk`s, each a contiguous slice of the normalized text carrying its heading path
and the field groups worth asking of it. Chunks follow sections; a section over the
budget is cut between blocks, a table between rows and a paragraph between sentences,
so no chunk ever splits a table row or a figure.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from functools import cache

from jixiao.catalog import Catalog
from jixiao.core import Block, BlockKind, Chunk, Section, Span
from jixiao.patterns import SENTENCE_END_RE, fold_for_matching

logger = logging.getLogger(__name__)

_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
ASCII_CHARS_PER_TOKEN = 3.5


def estimate_tokens(text: str) -> int:
    """Upper-bound token estimate that needs no tokenizer: a CJK character is about one
    token in the vocabularies of Qwen, DeepSeek and GPT-4-class models; other text is
    about 3.5 characters a token."""
    cjk = len(_CJK.findall(text))
    return cjk + int((len(text) - cjk) / ASCII_CHARS_PER_TOKEN) + 1


def make_chunks(text: str, sections: list[Section], budget: int, catalog: Catalog) -> list[Chunk]:
    pieces = list(_pieces(text, sections, budget))
    chunks: list[Chunk] = []
    current: list[tuple[Span, list[str]]] = []
    current_tokens = 0
    for span, path in pieces:
        tokens = estimate_tokens(text[span.start : span.end])
        if current and current_tokens + tokens > budget:
            chunks.append(_chunk(text, len(chunks), current, catalog))
            current, current_tokens = [], 0
        current.append((span, path))
        current_tokens += tokens
    if current:
        chunks.append(_chunk(text, len(chunks), current, catalog))
    return chunks


def _chunk(text: str, index: int, pieces: list[tuple[Span, list[str]]], catalog: Catalog) -> Chunk:
    start, end = pieces[0][0].start, pieces[-1][0].end
    body = text[start:end]
    return Chunk(
        index=index,
        start=start,
        end=end,
        heading_path=pieces[0][1],
        text=body,
        tokens=estimate_tokens(body),
        groups=groups_for(body, catalog, first=index == 0),
    )


def groups_for(body: str, catalog: Catalog, first: bool = False) -> list[str]:
    """The field groups whose trigger words occur in the chunk (basics always first).

    Triggers are plain words or, after "re:", patterns matched line by line; both are
    also tried on the chunk with pinyin glosses taken out (mirror sites print
    `報(bào)告日期`), so a glossed wording still asks its group.
    """
    folded = fold_for_matching(body)
    views = (body, folded) if folded != body else (body,)
    groups = [
        name
        for name, group in catalog.groups.items()
        if any(trigger_hits(word, view) for word in group.triggers for view in views)
    ]
    if first and "basics" not in groups:
        groups.insert(0, "basics")
    return groups


def trigger_hits(trigger: str, body: str) -> bool:
    if trigger.startswith("re:"):
        return _trigger_pattern(trigger[3:]).search(body) is not None
    return trigger in body


@cache
def _trigger_pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.MULTILINE)


def _pieces(text: str, sections: list[Section], budget: int) -> Iterator[tuple[Span, list[str]]]:
    """Spans no larger than the budget (where the text allows), in order.

    A section that fits is one piece; otherwise its blocks are, and blocks that do not
    fit are cut at row or sentence boundaries.
    """
    for section in sections:
        span = Span(start=section.start, end=section.end)
        if estimate_tokens(text[span.start : span.end]) <= budget:
            yield span, section.path
            continue
        for block in section.blocks:
            for piece in _split_block(text, block, budget):
                yield piece, section.path


def _split_block(text: str, block: Block, budget: int) -> Iterator[Span]:
    if estimate_tokens(text[block.start : block.end]) <= budget:
        yield Span(start=block.start, end=block.end)
        return
    if block.kind is BlockKind.TABLE and block.rows:
        yield from _group_spans(_row_spans(block), text, budget)
        return
    yield from _group_spans(_sentence_spans(text, block.start, block.end), text, budget)


def _row_spans(block: Block) -> list[Span]:
    spans: list[Span] = []
    start = block.start
    for row in block.rows:
        ends = [cell.end for cell in row if cell.end > cell.start]
        end = max(ends) if ends else start
        spans.append(Span(start=start, end=max(end, start)))
        start = max(end, start)
    spans[-1] = Span(start=spans[-1].start, end=block.end)
    return spans


def _sentence_spans(text: str, start: int, end: int) -> list[Span]:
    spans: list[Span] = []
    cursor = start
    for match in SENTENCE_END_RE.finditer(text, start, end):
        spans.append(Span(start=cursor, end=match.end()))
        cursor = match.end()
    if cursor < end:
        spans.append(Span(start=cursor, end=end))
    return spans


def _group_spans(spans: list[Span], text: str, budget: int) -> Iterator[Span]:
    """Merge consecutive spans while they fit; a single span over budget stays whole."""
    group: Span | None = None
    for span in spans:
        if group is None:
            group = span
            continue
        merged = Span(start=group.start, end=span.end)
        if estimate_tokens(text[merged.start : merged.end]) <= budget:
            group = merged
        else:
            yield group
            group = span
    if group is not None:
        yield group
