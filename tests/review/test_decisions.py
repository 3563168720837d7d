"""The decision store: append-only, the last decision per field in force."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from jixiao.review.app import create_app

LOCAL = "http://127.0.0.1:8765"  # the review server answers only this machine's names


def test_decisions_are_never_overwritten(examples_out: Path) -> None:
    from jixiao.review.decisions import DecisionStore

    client = TestClient(create_app(examples_out, "tester"), base_url=LOCAL)
    name = sorted(p.stem for p in examples_out.glob("0*.json"))[-1]
    for value in ("2023", "2024"):
        response = client.post(
            f"/r/{name}/decide",
            headers={"origin": LOCAL},
            data={"field": "fiscal_year", "action": "edit", "value": value},
        )
        assert response.status_code == 200
    store = DecisionStore(examples_out)
    sha = json.loads((examples_out / f"{name}.json").read_text(encoding="utf-8"))["source"][
        "sha256"
    ]
    history = [d.new_value for d in store.history(sha) if d.field == "fiscal_year"]
    assert history[-2:] == [2023, 2024]
    assert store.latest(sha)["fiscal_year"].new_value == 2024


# The schema jixiao wrote before the decisions database had migrations (m001).
PREVIOUS_SCHEMA = """
CREATE TABLE IF NOT EXISTS decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    report TEXT NOT NULL,
    report_sha256 TEXT NOT NULL,
    field TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT,
    action TEXT NOT NULL,
    reason TEXT,
    reviewer TEXT NOT NULL,
    time TEXT NOT NULL,
    evidence TEXT
);
CREATE INDEX IF NOT EXISTS decisions_by_report ON decisions (report_sha256, field);
"""


def test_a_database_of_the_previous_schema_opens_and_migrates(tmp_path: Path) -> None:
    import sqlite3

    from jixiao.review.decisions import DATABASE_NAME, Action, DecisionStore

    with sqlite3.connect(tmp_path / DATABASE_NAME) as connection:
        connection.executescript(PREVIOUS_SCHEMA)
        connection.execute(
            "INSERT INTO decisions (report, report_sha256, field, old_value, new_value, action,"
            " reason, reviewer, time, evidence) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                "r",
                "abc",
                "funds.basic",
                "70.1",
                "70.10",
                "edit",
                None,
                "老审核员",
                "2025-01-02T03:04:05+00:00",
                None,
            ),
        )
    store = DecisionStore(tmp_path)
    old = store.latest("abc")["funds.basic"]
    assert old.action is Action.EDIT and str(old.new_value) == "70.10"
    assert old.reviewer == "老审核员" and old.undoes is None
    undone = store.undo("r", "abc", "funds.basic", "新审核员")
    assert undone is not None and undone.undoes == old.id
    assert store.latest("abc") == {}
    with sqlite3.connect(tmp_path / DATABASE_NAME) as connection:
        names = [n for (n,) in connection.execute("SELECT name FROM _migrations ORDER BY name")]
    assert names == ["m001_decisions", "m002_undo_and_report_states"]
    DecisionStore(tmp_path)  # opening again applies nothing twice


def test_a_database_from_a_newer_jixiao_is_refused(tmp_path: Path) -> None:
    import sqlite3

    import pytest

    from jixiao.errors import ReviewError
    from jixiao.review.decisions import DATABASE_NAME, DecisionStore

    DecisionStore(tmp_path)
    with sqlite3.connect(tmp_path / DATABASE_NAME) as connection:
        connection.execute("INSERT INTO _migrations VALUES ('m099_future', '2030-01-01')")
    with pytest.raises(ReviewError, match="更新版本"):
        DecisionStore(tmp_path)


def test_undo_brings_back_the_decision_before() -> None:
    from jixiao.review.decisions import Action, Decision, in_force

    def made(id: int, action: Action, value=None, undoes=None) -> Decision:
        return Decision(
            id=id,
            report="r",
            report_sha256="s",
            field="f",
            action=action,
            new_value=value,
            reviewer="甲",
            undoes=undoes,
        )

    history = [made(1, Action.EDIT, 1), made(2, Action.EDIT, 2), made(3, Action.UNDO, undoes=2)]
    assert in_force(history)["f"].new_value == 1
    assert in_force([*history, made(4, Action.UNDO, undoes=1)]) == {}


def test_times_are_shown_in_shanghai_by_default() -> None:
    from jixiao.review.decisions import local_time

    assert local_time("2025-01-02T20:30:00+00:00") == "2025-01-03 04:30"
    assert local_time("2025-01-02T20:30:00+00:00", "Europe/Berlin") == "2025-01-02 21:30"
