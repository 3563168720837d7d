"""Choices a flag or setting offers, as plain enums that load without pydantic.

In: nothing (imports no other jixiao module).
Out: `ProviderName` (which LLM provider), `LLMMode` (which instructor mode) and
`AskPolicy` (which fields the model is asked for). `settings`
uses them for its fields; the CLI uses them for its options, so building `--help` loads
neither pydantic nor the settings.
"""

from __future__ import annotations

from enum import StrEnum


class ProviderName(StrEnum):
    AUTO = "auto"  # openai when an endpoint or model is configured, else none
    OPENAI = "openai"
    REPLAY = "replay"
    NONE = "none"


class LLMMode(StrEnum):
    """instructor modes that make sense for OpenAI-compatible servers, or `auto`: the
    mode a one-time probe of the endpoint chose (see `probe`)."""

    AUTO = "auto"
    TOOLS = "tools"  # OpenAI, vLLM, DeepSeek, Qwen, llama.cpp server
    JSON = "json"  # response_format json_object: Ollama, llama.cpp server
    JSON_SCHEMA = "json_schema"  # strict schema: OpenAI; rejected by some local servers
    MD_JSON = "md_json"  # JSON in a markdown block: servers with neither


class AskPolicy(StrEnum):
    """Which fields the model is asked for."""

    GAPS = "gaps"  # the fields the rules alone leave missing or flagged
    ALL = "all"  # every field whose cue a chunk holds (the model may challenge the rules)
