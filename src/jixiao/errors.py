"""One family of errors: every error the library raises is a `JixiaoError`.

In: nothing (imports no other jixiao module).
Out: the root `JixiaoError` and its kinds, so a program using the library can catch
everything jixiao means to raise with one `except JixiaoError`, and tell the kinds apart.
"""

from __future__ import annotations

import logging
from pathlib import Path

logger = logging.getLogger(__name__)


class JixiaoError(Exception):
    """Root of every error jixiao raises on purpose."""


class ConfigError(JixiaoError):
    """Settings (flags, environment, config file) that cannot work."""


class LLMConfigError(ConfigError):
    """The LLM settings cannot work (no model, no recordings...)."""


class IngestError(JixiaoError):
    """A file that cannot be read as a report; the message names the file and why."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


class ReplayMissingError(JixiaoError, LookupError):
    """A replayed run asked for a request that no recording holds."""


class CaseError(JixiaoError):
    """A golden case folder that is incomplete or malformed."""


class ReviewError(JixiaoError):
    """A review or export step that cannot be done (e.g. fields still unreviewed)."""
