"""The output-mode probe: the choice rule, the memory per endpoint, a dead endpoint."""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path

import pytest

from jixiao.errors import LLMConfigError
from jixiao.probe import ProbeOutcome, choose_mode, probe_endpoint, remembered_mode
from jixiao.settings import LLMMode

URL, MODEL = "http://127.0.0.1:9/v1", "some-model"


def outcome(mode: LLMMode, right: bool, seconds: float) -> ProbeOutcome:
    return ProbeOutcome(mode=mode, right=right, seconds=seconds)


def test_tools_is_kept_when_every_mode_is_about_as_fast() -> None:
    assert (
        choose_mode(
            [
                outcome(LLMMode.TOOLS, True, 2.2),
                outcome(LLMMode.JSON, True, 2.0),
                outcome(LLMMode.MD_JSON, True, 1.9),
            ]
        )
        is LLMMode.TOOLS
    )


def test_a_much_faster_mode_wins_and_a_wrong_one_never_does() -> None:
    assert (
        choose_mode(
            [
                outcome(LLMMode.TOOLS, True, 90),
                outcome(LLMMode.JSON, True, 40),
                outcome(LLMMode.MD_JSON, True, 12),
            ]
        )
        is LLMMode.MD_JSON
    )
    assert (
        choose_mode(
            [
                outcome(LLMMode.TOOLS, False, 1),
                outcome(LLMMode.JSON, True, 40),
                outcome(LLMMode.MD_JSON, False, 2),
            ]
        )
        is LLMMode.JSON
    )
    assert choose_mode([outcome(LLMMode.TOOLS, False, 1)]) is None


def test_the_choice_is_remembered_per_endpoint_and_model(tmp_path: Path) -> None:
    asked: list[LLMMode] = []

    def ask(mode: LLMMode, deadline: float):
        asked.append(mode)
        return (Decimal("97.35"), None, False) if mode is LLMMode.JSON else (None, "400", False)

    assert probe_endpoint(ask, tmp_path, URL, MODEL) is LLMMode.JSON
    assert sorted(asked) == sorted([LLMMode.TOOLS, LLMMode.JSON, LLMMode.MD_JSON])
    assert probe_endpoint(ask, tmp_path, URL, MODEL) is LLMMode.JSON
    assert len(asked) == 3  # not probed again (the first mode was wrong: not retimed)
    assert remembered_mode(tmp_path, URL, "other-model") is None


def test_a_dead_endpoint_is_said_at_once(tmp_path: Path) -> None:
    calls: list[LLMMode] = []

    def ask(mode: LLMMode, deadline: float):
        calls.append(mode)
        return None, "APIConnectionError (ConnectError: refused)", True

    with pytest.raises(LLMConfigError, match="cannot be reached"):
        probe_endpoint(ask, tmp_path, URL, MODEL)
    assert len(calls) == 1
    assert remembered_mode(tmp_path, URL, MODEL) is None


def test_an_endpoint_that_answers_but_never_right_still_gets_a_mode(tmp_path: Path) -> None:
    def ask(mode: LLMMode, deadline: float):
        return (Decimal("1"), None, False) if mode is LLMMode.MD_JSON else (None, "400", False)

    assert probe_endpoint(ask, tmp_path, URL, MODEL) is LLMMode.MD_JSON


def test_no_usable_answer_in_any_mode_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(LLMConfigError, match="no usable answer"):
        probe_endpoint(lambda mode, deadline: (None, "BadRequestError", False), tmp_path, URL, MODEL)


def test_a_mode_is_not_waited_for_past_what_could_still_win(tmp_path: Path) -> None:
    deadlines: dict[LLMMode, float] = {}

    def ask(mode: LLMMode, deadline: float):
        deadlines[mode] = deadline
        if mode is LLMMode.MD_JSON:
            time.sleep(0.2)
            return Decimal("97.35"), None, False
        return None, "the call ran past its deadline", False

    assert probe_endpoint(ask, tmp_path, URL, MODEL) is LLMMode.MD_JSON
    assert deadlines[LLMMode.MD_JSON] == 90.0  # the first has the whole allowance
    assert deadlines[LLMMode.TOOLS] < 2.0  # 1.25 x 0.2 s + 1 s
