"""Shared fixtures: paths to the bundled examples and recordings."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
RECORDINGS = Path(__file__).resolve().parent / "recordings"


@pytest.fixture
def examples_dir() -> Path:
    return EXAMPLES


@pytest.fixture
def example_paths() -> list[Path]:
    return sorted(EXAMPLES.glob("*.txt"))


def replay_examples(out: Path):
    """`jixiao extract examples/ --out OUT` replayed from the examples' recordings."""
    from typer.testing import CliRunner

    from jixiao.cli import app

    return CliRunner().invoke(
        app,
        [
            "extract",
            str(EXAMPLES),
            "--out",
            str(out),
            "--provider",
            "replay",
            "--replay",
            str(RECORDINGS / "examples"),
        ],
    )


@pytest.fixture(scope="module")
def examples_out(tmp_path_factory) -> Path:
    """An output folder of the examples replayed from their recordings, one per module."""
    out = tmp_path_factory.mktemp("review") / "out"
    result = replay_examples(out)
    assert result.exit_code == 0, result.output
    return out
