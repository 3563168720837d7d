"""Text patterns every stage shares: one fold table, one year pattern, one sentence end.

In: nothing (imports no other jixiao module; reads `data/t2s.toml`).
Out: the full-width → ASCII fold of figures and their punctuation (and the digits-only
view normalization may apply to the text itself), the pattern of a four-digit year, the
characters that end a sentence, and the *matching view* of report text: traditional
characters folded to simplified and the pinyin glosses of mirror sites (`農(nóng)業(yè)`)
removed, so that simplified wordings find `年度資金總額` or `執(zhí)行數(shù)`. The matching view
is for finding words only; values and evidence are always taken from the printed text
(`folded_view` keeps the way back to it). Kept in one place so that the index, the
rules, the merge and the evidence search read a figure, a year and a sentence the same way.
"""

from __future__ import annotations

import logging
import re
import tomllib
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

logger = logging.getLogger(__name__)

# Full-width forms of figures and of the punctuation around them, with their ASCII form.
FULLWIDTH_FORMS: dict[str, str] = {
    **{chr(0xFF10 + digit): str(digit) for digit in range(10)},
    "．": ".",
    "，": ",",
    "－": "-",
    "＋": "+",
    "％": "%",
    "：": ":",
    "（": "(",
    "）": ")",
    "；": ";",
}
FOLD = str.maketrans(FULLWIDTH_FORMS)
# Normalization may only touch digits in the text itself: quotes must stay verbatim.
DIGIT_FOLD = str.maketrans(
    {wide: narrow for wide, narrow in FULLWIDTH_FORMS.items() if narrow.isdigit()}
)

# A year of the kind these reports speak of (1900–2099), as a pattern fragment.
YEAR = r"(?:19|20)\d{2}"
YEAR_RE = re.compile(rf"(?<!\d)({YEAR})(?!\d)")
# A year written as a year: "2023年", "2023 年".
YEAR_WORD_RE = re.compile(rf"(?<!\d)({YEAR})(?= ?年)")
# A full date: 2024-03-01, 2024.3.1, 2024年3月1日, 2024年3月.
DATE_RE = re.compile(
    rf"(?<!\d){YEAR}(?:[.\-/]\d{{1,2}}[.\-/]\d{{1,2}}|年\d{{1,2}}月(?:\d{{1,2}}[日号])?)(?!\d)"
)

# A pinyin gloss right after a character, as mirror sites print them: 報(bào), 執（zhí）.

SENTENCE_END_CHARS = "。！？；!?;"
SENTENCE_END_RE = re.compile(f"[{SENTENCE_END_CHARS}]")
# A sentence or a line: where a figure's clause context stops in prose and cells alike.
SENTENCE_OR_LINE_END_RE = re.compile(f"[{SENTENCE_END_CHARS}\n]")


def fold(text: str) -> str:
    """Full-width digits and figure punctuation as ASCII."""
    return text.translate(FOLD)


# A pinyin gloss a mirror site prints after a character: 農(nóng), 項(xiàng). It holds a
# tone-marked vowel, which keeps `(A)`, `(B/A)` and other bracketed letters out.
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
PINYIN_GLOSS_RE = re.compile(
    rf"(?<=[\u3400-\u9fff])[(（][a-zü]{{0,6}}[{_TONED}][a-zü{_TONED}]{{0,6}}[)）]"
)


@cache
def _t2s_table() -> dict[int, str]:
    raw = resources.files("jixiao").joinpath("data/t2s.toml").read_text(encoding="utf-8")
    data = tomllib.loads(raw)
    return str.maketrans(dict(zip(data["traditional"], data["simplified"], strict=True)))


@lru_cache(maxsize=65536)
def fold_for_matching(text: str) -> str:
    """The matching view of `text`: pinyin glosses removed, traditional → simplified.

    Punctuation is left as printed (wordings may spell full-width brackets); use
    `folded_view` when a span found in the view must be mapped back to the text.
    """
    return PINYIN_GLOSS_RE.sub("", text).translate(_t2s_table())


@dataclass(frozen=True)
class FoldedView:
    """A matching view of a text and, per character of the view, its offset in the text."""

    text: str
    offsets: tuple[int, ...]
    source_length: int

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The printed text's span of the view's span [start, end)."""
        if start >= len(self.offsets):
            return self.source_length, self.source_length
        if end <= start:
            return self.offsets[start], self.offsets[start]
        return self.offsets[start], self.offsets[end - 1] + 1


def folded_view(text: str) -> FoldedView:
    """`text` in its matching view, full-width punctuation folded to ASCII as well."""
    pieces: list[str] = []
    offsets: list[int] = []
    position = 0
    for gloss in PINYIN_GLOSS_RE.finditer(text):
        pieces.append(text[position : gloss.start()])
        offsets.extend(range(position, gloss.start()))
        position = gloss.end()
    pieces.append(text[position:])
    offsets.extend(range(position, len(text)))
    folded = "".join(pieces).translate(_t2s_table()).translate(FOLD)
    return FoldedView(text=folded, offsets=tuple(offsets), source_length=len(text))
