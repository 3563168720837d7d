from pathlib import Path

import pytest

from jixiao.settings import ConfigError, LLMMode, ProviderName, load_settings


def test_precedence_flags_over_jixiao_over_openai_over_file(tmp_path: Path) -> None:
    config = tmp_path / "jixiao.toml"
    config.write_text('[jixiao]\nmodel = "from-file"\nmode = "json"\njobs = 3\n', encoding="utf-8")
    environ = {
        "OPENAI_MODEL": "from-openai",
        "JIXIAO_MODEL": "from-jixiao",
        "OPENAI_BASE_URL": "http://openai.example/v1",
    }
    settings = load_settings({}, environ, config)
    assert settings.model == "from-jixiao"
    assert settings.base_url == "http://openai.example/v1"
    assert settings.mode is LLMMode.JSON
    assert settings.jobs == 3
    assert load_settings({"model": "from-flag"}, environ, config).model == "from-flag"


def test_auto_provider() -> None:
    assert load_settings({}, {}).resolved_provider() is ProviderName.NONE
    assert load_settings({}, {"JIXIAO_MODEL": "m"}).resolved_provider() is ProviderName.OPENAI
    replay = load_settings({"replay_dir": Path("rec")}, {})
    assert replay.resolved_provider() is ProviderName.REPLAY


def test_api_key_never_prints() -> None:
    settings = load_settings({}, {"JIXIAO_API_KEY": "test-secret-value-123"})
    assert "test-secret-value-123" not in repr(settings)
    assert "test-secret-value-123" not in settings.model_dump_json()
    assert settings.api_key_value() == "test-secret-value-123"


def test_bad_config_files_are_named(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("model = \n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad\.toml"):
        load_settings({}, {}, bad)
    unknown = tmp_path / "unknown.toml"
    unknown.write_text('colour = "red"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown settings"):
        load_settings({}, {}, unknown)
