"""The flag catalog: flag codes -> severity and words, read from data.

In: `data/flags.toml` (shipped with the package), one `[code]` table per flag with
`severity`, `zh` and `en`.
Out: `load_flags()`, the catalog by code, and `flag_words()`, the words a person reads
for each code ("中文 (English)"). Nothing here knows about reports.
"""

from __future__ import annotations

import logging
import tomllib
from functools import cache
from importlib import resources

from pydantic import BaseModel

from jixiao.core import Severity

logger = logging.getLogger(__name__)


class FlagSpec(BaseModel):
    code: str
    severity: Severity
    zh: str
    en: str

    @property
    def words(self) -> str:
        return f"{self.zh} ({self.en})"


@cache
def load_flags() -> dict[str, FlagSpec]:
    """The flag catalog shipped with jixiao (read once; it is immutable data)."""
    text = resources.files("jixiao").joinpath("data/flags.toml").read_text(encoding="utf-8")
    return {code: FlagSpec(code=code, **body) for code, body in tomllib.loads(text).items()}


def flag_words() -> dict[str, str]:
    """Code -> the words shown to a reviewer."""
    return {code: spec.words for code, spec in load_flags().items()}
