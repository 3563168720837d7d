"""Questions: chunks + the fields worth asking -> the requests to send (`Question`s).

In: the chunks, the field catalog, the scalar keys and list paths worth asking (all of
them, or those the rules left open) and how many fields one request may carry.
Out: `Question`s, each a few fields asked of one chunk whose text holds a cue for every
one of them (a wording the catalog gives for the field, or the list group's triggers),
with `max_tokens` sized to what is asked. A chunk holding no cue of an open field is not
asked at all, so a small model reads short requests about what is in front of it, and a
paid endpoint is billed only for what the rules could not settle.

`split_question` halves a question that timed out or ran out of tokens: its fields first,
then (one field left) its text around the field's cues. A request is never re-sent as it
was.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass

from jixiao.catalog import AskWhere, Catalog, FieldKind, FieldSpec, ListSpec
from jixiao.chunk import trigger_hits
from jixiao.core import Chunk, Question
from jixiao.patterns import fold_for_matching

logger = logging.getLogger(__name__)

# Output tokens a field's answer may take: {"key": {"value": …, "quote": "…"}} is about
# 15 tokens of JSON around a value of a few tokens and a quote of up to 60 characters.
ANSWER_TOKENS = {
    FieldKind.MONEY: 70,
    FieldKind.PERCENT: 70,
    FieldKind.COUNT: 60,
    FieldKind.YEAR: 60,
    FieldKind.SCORE: 60,
    FieldKind.ENUM: 30,
}
TEXT_ANSWER_TOKENS = 100
LONG_TEXT_ANSWER_TOKENS = 300  # goals: a sentence or two, quoted
LIST_ANSWER_TOKENS = {"projects": 500, "indicators": 900, "problems": 400, "improvements": 400}
OVERHEAD_TOKENS = 30
LONG_TEXT_FIELDS = frozenset({"goals_expected", "goals_achieved"})
# A text shrunk below this is not cut again: the field is not answerable there.
MIN_SPLIT_CHARS = 240
CUE_CONTEXT_LINES = 12  # lines kept on each side of a cue when a text is cut

_CJK_RUN = re.compile(r"[\u3400-\u9fff“”]+")
_OPTIONAL_GROUP = re.compile(r"\(\?:[^()]*\)[?*]")
_GENERIC = frozenset({"年度"})


@dataclass(frozen=True)
class Cues:
    """A field's cue words: plain words and, from "re:" labels, line patterns."""

    words: tuple[str, ...]
    patterns: tuple[str, ...]

    def hit(self, views: Iterable[str]) -> bool:
        views = list(views)
        return any(word in view for word in self.words for view in views) or any(
            trigger_hits("re:" + pattern, view) for pattern in self.patterns for view in views
        )


_CUES: dict[str, Cues] = {}  # field path -> its cues (the shipped catalog is immutable)


def field_cues(spec: FieldSpec) -> Cues:
    """The wordings whose presence makes a chunk worth asking for `spec` (memoized)."""
    if spec.path not in _CUES:
        _CUES[spec.path] = _make_cues(spec)
    return _CUES[spec.path]


def _make_cues(spec: FieldSpec) -> Cues:
    """A "re:" label counts as its pattern and, since tables flattened with `|` or spaces
    put a cell mid-line where `^…$` cannot match, as its longest run of Chinese text.
    """
    words: list[str] = []
    patterns: list[str] = []
    labels = list(spec.labels) + [w for ws in spec.kind_labels.values() for w in ws]
    # A cell states the field where its row meets its column: the row header is the cue
    # (the column headers, 全年执行数 and kin, head every row of the form).
    labels += [next((part for part in cell if part and "{" not in part), "") for cell in spec.cells]
    for label in labels:
        if label.startswith("re:"):
            patterns.append(label[3:])
            word = _plain_word(label[3:])
            if word:
                words.append(word)
        elif label:
            words.append(label)
    return Cues(words=tuple(dict.fromkeys(words)), patterns=tuple(dict.fromkeys(patterns)))


def _plain_word(pattern: str) -> str | None:
    """The word a label pattern cannot do without: its longest Chinese run once the
    optional groups are gone (the last of equally long ones: the noun ends the label);
    none shorter than three characters, which would be in every other line."""
    required = pattern
    while True:
        stripped = _OPTIONAL_GROUP.sub("", required)
        if stripped == required:
            break
        required = stripped
    runs = [run for run in _CJK_RUN.findall(required) if len(run) >= 3 and run not in _GENERIC]
    if not runs:
        return None
    longest = max(len(run) for run in runs)
    return [run for run in runs if len(run) == longest][-1]


def scalar_asked_in(spec: FieldSpec, chunk: Chunk, views: tuple[str, ...]) -> bool:
    first = chunk.index == 0
    if spec.ask is AskWhere.FIRST:
        return first
    if spec.ask is AskWhere.FIRST_AND_CUES and first:
        return True
    return field_cues(spec).hit(views)


def list_asked_in(spec: ListSpec, chunk: Chunk, views: tuple[str, ...]) -> bool:
    if not spec.cues:
        return spec.group in chunk.groups
    return any(cue in view for cue in spec.cues for view in views)


def answer_tokens(spec: FieldSpec) -> int:
    if spec.key in LONG_TEXT_FIELDS:
        return LONG_TEXT_ANSWER_TOKENS
    return ANSWER_TOKENS.get(spec.kind, TEXT_ANSWER_TOKENS)


def size_tokens(catalog: Catalog, fields: list[str], lists: list[str], ceiling: int) -> int:
    """max_tokens for a request asking these fields: enough for every answer, no more."""
    by_key = {spec.key: spec for spec in catalog.fields}
    total = OVERHEAD_TOKENS + sum(answer_tokens(by_key[key]) for key in fields)
    total += sum(LIST_ANSWER_TOKENS.get(path, 500) for path in lists)
    return min(total, ceiling)


def plan_questions(
    chunks: list[Chunk],
    catalog: Catalog,
    fields: set[str],
    lists: set[str],
    fields_per_call: int,
    max_tokens_ceiling: int,
) -> list[Question]:
    """Every request worth sending for these open fields, chunk by chunk, in order."""
    questions: list[Question] = []
    for chunk in chunks:
        folded = fold_for_matching(chunk.text)
        views = (chunk.text, folded) if folded != chunk.text else (chunk.text,)
        asked = [
            spec.key
            for spec in catalog.fields
            if spec.key in fields and scalar_asked_in(spec, chunk, views)
        ]
        parts: list[tuple[list[str], list[str]]] = [
            (asked[i : i + fields_per_call], [])
            for i in range(0, len(asked), max(1, fields_per_call))
        ]
        parts += [
            ([], [spec.path])
            for spec in catalog.lists
            if spec.path in lists and list_asked_in(spec, chunk, views)
        ]
        for number, (keys, paths) in enumerate(parts):
            questions.append(
                Question(
                    chunk_index=chunk.index,
                    part=_part_name(number),
                    start=chunk.start,
                    end=chunk.end,
                    heading_path=chunk.heading_path,
                    text=chunk.text,
                    fields=keys,
                    lists=paths,
                    max_tokens=size_tokens(catalog, keys, paths, max_tokens_ceiling),
                )
            )
    logger.debug("%d questions for %d chunks", len(questions), len(chunks))
    return questions


def _part_name(number: int) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return letters[number] if number < len(letters) else f"z{number}"


def split_question(question: Question, catalog: Catalog, ceiling: int) -> list[Question]:
    """Smaller questions covering what `question` asked, or [] when it cannot shrink.

    Several fields: two questions with half the fields each. One field (or one list):
    the text cut to the lines around the field's cues (or, with no cue to go by, its two
    halves). Each part's `part` extends the parent's, so recordings stay distinct.
    """
    asked = question.fields + question.lists
    if len(asked) > 1:
        half = (len(asked) + 1) // 2
        groups = [asked[:half], asked[half:]]
        return [
            _with(
                question,
                catalog,
                ceiling,
                suffix,
                [k for k in g if k in question.fields],
                [p for p in g if p in question.lists],
            )
            for suffix, g in zip("12", groups, strict=True)
        ]
    if len(question.text) < MIN_SPLIT_CHARS:
        return []
    spans = _cue_windows(question, catalog) or _halves(question.text)
    if len(spans) == 1 and spans[0] == (0, len(question.text)):
        spans = _halves(question.text)
    return [
        question.model_copy(
            update={
                "part": f"{question.part}{suffix}",
                "start": question.start + start,
                "end": question.start + end,
                "text": question.text[start:end],
            }
        )
        for suffix, (start, end) in zip("123456789", spans, strict=False)
    ]


def _with(
    question: Question,
    catalog: Catalog,
    ceiling: int,
    suffix: str,
    keys: list[str],
    paths: list[str],
) -> Question:
    return question.model_copy(
        update={
            "part": f"{question.part}{suffix}",
            "fields": keys,
            "lists": paths,
            "max_tokens": size_tokens(catalog, keys, paths, ceiling),
        }
    )


def _halves(text: str) -> list[tuple[int, int]]:
    middle = text.rfind("\n", 0, len(text) // 2 + 1)
    if middle <= 0:
        middle = len(text) // 2
    return [(0, middle), (middle, len(text))]


def _cue_windows(question: Question, catalog: Catalog) -> list[tuple[int, int]]:
    """Spans of the text around the lines holding the one asked field's cues (merged),
    kept only when they are smaller than the text."""
    if not question.fields:
        return []
    spec = next(s for s in catalog.fields if s.key == question.fields[0])
    cues = field_cues(spec)
    lines = question.text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    hits = [i for i, line in enumerate(lines) if cues.hit((line, fold_for_matching(line)))]
    if not hits:
        return []
    windows: list[tuple[int, int]] = []
    for i in hits:
        low, high = max(0, i - CUE_CONTEXT_LINES), min(len(lines), i + CUE_CONTEXT_LINES + 1)
        if windows and low <= windows[-1][1]:
            windows[-1] = (windows[-1][0], high)
        else:
            windows.append((low, high))
    spans = [(starts[low], starts[high]) for low, high in windows]
    if sum(end - start for start, end in spans) >= len(question.text):
        return []
    return spans
