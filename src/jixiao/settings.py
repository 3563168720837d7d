"""Settings: one object holding every knob, from flags, environment and a config file.

In: explicit overrides (CLI flags), the environment (`JIXIAO_*`, then `OPENAI_*`) and
an optional TOML config file (`--config`, or `JIXIAO_CONFIG`).
Out: a frozen `Settings`. Precedence: flags > JIXIAO_* > OPENAI_* > config file >
defaults. The API key is a `SecretStr`: it prints as `**********` and never reaches a
cache key, a log, a recording or an output.
"""

from __future__ import annotations

import logging
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from jixiao.choices import AskPolicy, LLMMode, ProviderName
from jixiao.errors import ConfigError

logger = logging.getLogger(__name__)


DEFAULT_CACHE_DIR = Path(".jixiao-cache")


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True)

    provider: ProviderName = ProviderName.AUTO
    base_url: str | None = None
    api_key: SecretStr | None = None
    model: str | None = None
    mode: LLMMode = LLMMode.AUTO
    ask: AskPolicy = AskPolicy.GAPS
    fields_per_call: int = Field(default=4, ge=1, le=64)
    temperature: float = 0.0
    max_output_tokens: int = 2048  # the ceiling; each request asks only what it needs
    timeout_seconds: float = 180.0  # one call's deadline; a call past it is split, not resent
    chunk_tokens: int = Field(default=2000, ge=200)
    jobs: int = Field(default=1, ge=1, le=64)
    transport_attempts: int = Field(default=4, ge=1)  # tries per call on network/5xx/429
    backoff_max_seconds: float = 30.0
    reask_retries: int = Field(default=1, ge=0)  # re-asks after invalid output (each costs a call)
    use_cache: bool = True
    cache_dir: Path = DEFAULT_CACHE_DIR
    # Pages read by OCR, kept in cache_dir/ocr. Apart from use_cache: `regress` replays
    # without the LLM cache but still reads no page twice; `extract --no-cache` drops both.
    ocr_cache: bool = True
    ocr_jobs: int | None = Field(default=None, ge=1, le=64)  # processes; None: every core
    record_dir: Path | None = None
    replay_dir: Path | None = None
    prompts_dir: Path | None = None  # None: the prompts shipped with jixiao

    def resolved_provider(self) -> ProviderName:
        if self.provider is not ProviderName.AUTO:
            return self.provider
        if self.replay_dir is not None:
            return ProviderName.REPLAY
        if self.base_url or self.model:
            return ProviderName.OPENAI
        return ProviderName.NONE

    def ocr_cache_dir(self) -> Path | None:
        """The OCR cache's folder, None when OCR results are not to be cached."""
        return self.cache_dir / "ocr" if self.ocr_cache else None

    def api_key_value(self) -> str:
        # Local servers ignore the key, but the openai client wants one.
        return self.api_key.get_secret_value() if self.api_key else "not-needed"

    def sampling(self, max_tokens: int | None = None) -> dict[str, Any]:
        """Sampling parameters sent with a request (and part of its cache key)."""
        limit = min(max_tokens, self.max_output_tokens) if max_tokens else self.max_output_tokens
        return {"temperature": self.temperature, "max_tokens": limit}


_ENV_NAMES = {
    "base_url": ("JIXIAO_BASE_URL", "OPENAI_BASE_URL"),
    "api_key": ("JIXIAO_API_KEY", "OPENAI_API_KEY"),
    "model": ("JIXIAO_MODEL", "OPENAI_MODEL"),
    "mode": ("JIXIAO_MODE",),
    "ask": ("JIXIAO_ASK",),
    "provider": ("JIXIAO_PROVIDER",),
    "cache_dir": ("JIXIAO_CACHE_DIR",),
}


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    config_file: Path | None = None,
) -> Settings:
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    config_path = config_file or (
        Path(environ["JIXIAO_CONFIG"]) if environ.get("JIXIAO_CONFIG") else None
    )
    if config_path is not None:
        values.update(read_config_file(config_path))
    for field, names in _ENV_NAMES.items():
        # Walk from the weakest name to the strongest so JIXIAO_* wins over OPENAI_*.
        for name in reversed(names):
            if environ.get(name):
                values[field] = environ[name]
    values.update({key: value for key, value in (overrides or {}).items() if value is not None})
    return Settings.model_validate(values)


def read_config_file(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: config file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from exc
    section = data.get("jixiao", data)
    unknown = set(section) - set(Settings.model_fields)
    if unknown:
        raise ConfigError(f"{path}: unknown settings {sorted(unknown)}")
    return dict(section)
