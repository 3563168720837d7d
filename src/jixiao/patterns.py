"""Text patterns every stage shares: one fold table, one year pattern, one sentence end.

In: nothing (imports no other jixiao module).
Out: the full-width → ASCII fold of figures and their punctuation (and the digits-only
view normalization may apply to the text itself), the pattern of a four-digit year, the
characters that end a sentence, and the text without pinyin glosses (for matching
words). Kept in one place so that the index, the rules, the merge and the evidence
search read a figure, a year and a sentence the same way.
"""

from __future__ import annotations

import logging
import re

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
PINYIN_GLOSS_RE = re.compile(r"(?<=[\u3400-\u9fff])[(（][a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,8}[)）]")

SENTENCE_END_CHARS = "。！？；!?;"
SENTENCE_END_RE = re.compile(f"[{SENTENCE_END_CHARS}]")
# A sentence or a line: where a figure's clause context stops in prose and cells alike.
SENTENCE_OR_LINE_END_RE = re.compile(f"[{SENTENCE_END_CHARS}\n]")


def unglossed(text: str) -> tuple[str, list[int]]:
    """The text without pinyin glosses, and for each of its characters the offset of
    that character in `text` (one more entry for the end), to map matches back."""
    kept: list[int] = []
    cursor = 0
    for match in PINYIN_GLOSS_RE.finditer(text):
        kept.extend(range(cursor, match.start()))
        cursor = match.end()
    kept.extend(range(cursor, len(text)))
    view = "".join(text[i] for i in kept)
    return view, [*kept, len(text)]


def fold(text: str) -> str:
    """Full-width digits and figure punctuation as ASCII."""
    return text.translate(FOLD)
