"""The README's two set-up-and-go commands stay true: CI runs the test one verbatim."""

import re

from conftest import ROOT


def _commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    head = readme.split("## What it does")[0]
    return re.findall(r"```bash\n(.+?)\n```", head)


def test_readme_has_exactly_two_commands_and_ci_runs_the_test_one() -> None:
    commands = _commands()
    assert len(commands) == 2
    main_job, tests = commands
    assert "jixiao extract examples/" in main_job
    assert tests == "bash .ci/run"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "pip install -q -c constraints.txt -e '.[test]'" in ci and "pytest" in ci
    assert "playwright install" not in ci
