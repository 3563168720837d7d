"""The CLI starts light: `--help` and `review` do not load the LLM stack or OCR."""

from __future__ import annotations

import json
import subprocess
import sys

# the LLM stack, OCR, the pipeline, and pydantic (which the settings and core build on)
HEAVY = ("openai", "instructor", "rapidocr", "onnxruntime", "cv2", "pydantic", "jixiao.pipeline")


def _loaded_after(code: str) -> tuple[list[str], str]:
    """The heavy modules loaded by a fresh interpreter running `code`, and its output."""
    probe = (
        f"{code}\nimport json, sys\n"
        f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    *printed, loaded = out.stdout.strip().splitlines()
    return json.loads(loaded), "\n".join(printed)


def test_importing_the_cli_loads_neither_the_llm_stack_nor_ocr() -> None:
    loaded, _ = _loaded_after("import jixiao.cli")
    assert loaded == []


def test_help_lists_the_commands_without_loading_them() -> None:
    loaded, printed = _loaded_after(
        "from jixiao.cli import app\n"
        "try:\n    app(['--help'])\nexcept SystemExit as exc:\n    assert exc.code == 0\n"
    )
    assert loaded == []
    assert all(command in printed for command in ("extract", "regress", "review", "export"))
    loaded, printed = _loaded_after(
        "from jixiao.cli import app\n"
        "try:\n    app(['extract', '--help'])\nexcept SystemExit as exc:\n    assert exc.code == 0\n"
    )
    # typer itself parses a command's options with pydantic: that one may load
    assert [m for m in loaded if m != "pydantic"] == []
    assert "--ocr-jobs" in printed and "--no-cache" in printed


def test_the_review_server_loads_neither_the_llm_stack_nor_ocr() -> None:
    loaded, _ = _loaded_after(
        "import jixiao.cli, jixiao.review.app, jixiao.review.apply, jixiao.review.export"
    )
    assert [m for m in loaded if m != "pydantic"] == []  # the review page's models need it
