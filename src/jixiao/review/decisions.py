"""Decisions: a reviewer's actions on fields -> an append-only SQLite audit trail.

In: a decision (report, report hash, field path, old value, new value, action, reason,
reviewer, time, and the evidence span picked, if any).
Out: rows in `<OUT_DIR>/jixiao-review.sqlite`, never updated or deleted: a later decision
on the same field supersedes an earlier one when read back with `latest`.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from jixiao.output import dumps, plain_json

logger = logging.getLogger(__name__)

DATABASE_NAME = "jixiao-review.sqlite"
SCHEMA = """
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


class Action(StrEnum):
    ACCEPT = "accept"
    EDIT = "edit"
    NOT_IN_REPORT = "not_in_report"


class Decision(BaseModel):
    id: int | None = None
    report: str
    report_sha256: str
    field: str
    old_value: Any = None
    new_value: Any = None
    action: Action
    reason: str | None = None
    reviewer: str
    time: str = ""
    evidence: list[dict[str, Any]] | None = None


def _dump(value: Any) -> str | None:
    if value is None:
        return None
    return dumps(plain_json(value), indent=None)


def _load(text: str | None) -> Any:
    return None if text is None else json.loads(text, parse_float=Decimal)


class DecisionStore:
    """The audit trail of one output folder. Safe to use from several threads."""

    def __init__(self, out_dir: Path) -> None:
        self.path = out_dir / DATABASE_NAME
        with self._connect() as connection:
            connection.executescript(SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A connection for one piece of work: committed (or rolled back), then closed."""
        with closing(sqlite3.connect(self.path, timeout=10)) as connection, connection:
            connection.row_factory = sqlite3.Row
            yield connection

    def add(self, decision: Decision) -> Decision:
        stamped = decision.model_copy(
            update={"time": decision.time or datetime.now(UTC).isoformat(timespec="seconds")}
        )
        with self._connect() as connection:
            cursor = connection.execute(
                "INSERT INTO decisions (report, report_sha256, field, old_value, new_value,"
                " action, reason, reviewer, time, evidence) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (
                    stamped.report,
                    stamped.report_sha256,
                    stamped.field,
                    _dump(stamped.old_value),
                    _dump(stamped.new_value),
                    stamped.action.value,
                    stamped.reason,
                    stamped.reviewer,
                    stamped.time,
                    _dump(stamped.evidence),
                ),
            )
        logger.info(
            "%s: %s %s by %s", stamped.report, stamped.action.value, stamped.field, stamped.reviewer
        )
        return stamped.model_copy(update={"id": cursor.lastrowid})

    def history(self, report_sha256: str | None = None) -> list[Decision]:
        query = "SELECT * FROM decisions"
        arguments: tuple = ()
        if report_sha256 is not None:
            query += " WHERE report_sha256 = ?"
            arguments = (report_sha256,)
        with self._connect() as connection:
            rows = connection.execute(query + " ORDER BY id", arguments).fetchall()
        return [
            Decision(
                id=row["id"],
                report=row["report"],
                report_sha256=row["report_sha256"],
                field=row["field"],
                old_value=_load(row["old_value"]),
                new_value=_load(row["new_value"]),
                action=Action(row["action"]),
                reason=row["reason"],
                reviewer=row["reviewer"],
                time=row["time"],
                evidence=_load(row["evidence"]),
            )
            for row in rows
        ]

    def latest(self, report_sha256: str) -> dict[str, Decision]:
        """The decision in force per field (the last one made)."""
        return {d.field: d for d in self.history(report_sha256)}
