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
