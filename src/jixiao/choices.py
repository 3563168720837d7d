"""Choices a flag or setting offers, as plain enums that load without pydantic.

In: nothing (imports no other jixiao module).
Out: `ProviderName` (which LLM provider) and `LLMMode` (which instructor mode). `settings`
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
    """instructor modes that make sense for OpenAI-compatible servers."""

    TOOLS = "tools"  # OpenAI, vLLM, DeepSeek, Qwen, llama.cpp server
    JSON = "json"  # response_format json_object: Ollama, llama.cpp server
    JSON_SCHEMA = "json_schema"  # strict schema: OpenAI; rejected by some local servers
    MD_JSON = "md_json"  # JSON in a markdown block: servers with neither
