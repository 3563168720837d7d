"""Decisions: a reviewer's actions on fields -> an append-only SQLite audit trail.

In: a decision (report, report hash, field path, old value, new value, action, reason,
reviewer, time, and the evidence span picked, if any), or a report marked done/reopened.
Out: rows in `<OUT_DIR>/jixiao-review.sqlite`, never updated or deleted: a later decision
on the same field supersedes an earlier one, and an `undo` withdraws the one it names,
when read back with `latest`; `states` gives each report's done state.

Field paths: a scalar field (`funds.basic`), a whole list (`projects`), one extracted row
(`projects[0]`, its index in the extracted list) or a row the reviewer added
(`projects[+1]`, numbered from 1 per list).

The database carries its schema version: numbered migrations (as simonw/llm does) are
applied in order on open and recorded in `_migrations`, so a database made by an older
jixiao opens in a newer one; a database whose migrations this jixiao does not know
(made by a newer one) is refused rather than misread.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from jixiao.errors import ReviewError
from jixiao.output import dumps, plain_json

logger = logging.getLogger(__name__)

DATABASE_NAME = "jixiao-review.sqlite"
DEFAULT_TIMEZONE = "Asia/Shanghai"


# --- migrations -----------------------------------------------------------------------

Migration = Callable[[sqlite3.Connection], None]
MIGRATIONS: list[tuple[str, Migration]] = []


def migration(function: Migration) -> Migration:
    """Register a migration; they run in the order they are defined, each once."""
    MIGRATIONS.append((function.__name__, function))
    return function


@migration
def m001_decisions(connection: sqlite3.Connection) -> None:
    """The first schema (jixiao before migrations): one row per decision."""
    connection.executescript(
        """
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
    )


@migration
def m002_undo_and_report_states(connection: sqlite3.Connection) -> None:
    """An undo names the decision it withdraws; reports can be marked done."""
    connection.execute("ALTER TABLE decisions ADD COLUMN undoes INTEGER")
    connection.executescript(
        """
        CREATE TABLE report_states (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            report TEXT NOT NULL,
            report_sha256 TEXT NOT NULL,
            state TEXT NOT NULL,
            reviewer TEXT NOT NULL,
            time TEXT NOT NULL
        );
        CREATE INDEX report_states_by_report ON report_states (report_sha256);
        """
    )


def migrate(connection: sqlite3.Connection) -> list[str]:
    """Apply the migrations this database has not had yet; returns their names."""
    connection.execute(
        "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT)"
    )
    done = {row[0] for row in connection.execute("SELECT name FROM _migrations")}
    unknown = done - {name for name, _ in MIGRATIONS}
    if unknown:
        raise ReviewError(
            f"审核数据库由更新版本的 jixiao 创建（未知迁移 {', '.join(sorted(unknown))}），"
            "请升级 jixiao"
        )
    applied = []
    for name, function in MIGRATIONS:
        if name in done:
            continue
        function(connection)
        connection.execute(
            "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)", (name, now())
        )
        applied.append(name)
    if applied:
        logger.info("review database migrated: %s", ", ".join(applied))
    return applied


# --- decisions ------------------------------------------------------------------------


class Action(StrEnum):
    ACCEPT = "accept"
    EDIT = "edit"
    NOT_IN_REPORT = "not_in_report"  # for a row: delete it
    ADD = "add"  # a row the reviewer added (`projects[+n]`)
    UNDO = "undo"  # withdraws the decision in force on the field (`undoes` names it)


class ReportState(StrEnum):
    DONE = "done"
    OPEN = "open"


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
    undoes: int | None = None


class StateRecord(BaseModel):
    state: ReportState
    reviewer: str
    time: str


def now() -> str:
    """The current time as stored: UTC, ISO 8601, seconds."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def local_time(stored: str, timezone: str = DEFAULT_TIMEZONE) -> str:
    """A stored UTC time -> `YYYY-MM-DD HH:MM` in `timezone` (Asia/Shanghai by default)."""
    try:
        moment = datetime.fromisoformat(stored)
    except ValueError:
        return stored
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")


def _dump(value: Any) -> str | None:
    if value is None:
        return None
    return dumps(plain_json(value), indent=None)


def _load(text: str | None) -> Any:
    return None if text is None else json.loads(text, parse_float=Decimal)


def in_force(history: list[Decision]) -> dict[str, Decision]:
    """Field path -> the decision in force: the last one made, unless undone (an undo
    withdraws the decision it names and brings back the one before it)."""
    stacks: dict[str, list[Decision]] = {}
    for decision in history:
        stack = stacks.setdefault(decision.field, [])
        if decision.action is Action.UNDO:
            stacks[decision.field] = [d for d in stack if d.id != decision.undoes]
        else:
            stack.append(decision)
    return {field: stack[-1] for field, stack in stacks.items() if stack}


class DecisionStore:
    """The audit trail of one output folder. Safe to use from several threads."""

    def __init__(self, out_dir: Path) -> None:
        self.path = out_dir / DATABASE_NAME
        with self._connect() as connection:
            migrate(connection)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A connection for one piece of work: committed (or rolled back), then closed."""
        with closing(sqlite3.connect(self.path, timeout=10)) as connection, connection:
            connection.row_factory = sqlite3.Row
            yield connection

    def add(self, decision: Decision) -> Decision:
        """Store a decision (stamped with the current time if it has none); returns it
        with its id and time."""
        stamped = decision.model_copy(update={"time": decision.time or now()})
        with self._connect() as connection:
            cursor = connection.execute(
                "INSERT INTO decisions (report, report_sha256, field, old_value, new_value,"
                " action, reason, reviewer, time, evidence, undoes)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
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
                    stamped.undoes,
                ),
            )
        logger.info(
            "%s: %s %s by %s", stamped.report, stamped.action.value, stamped.field, stamped.reviewer
        )
        return stamped.model_copy(update={"id": cursor.lastrowid})

    def history(self, report_sha256: str | None = None) -> list[Decision]:
        """Every decision (of one report, if given), oldest first."""
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
                undoes=row["undoes"],
            )
            for row in rows
        ]

    def latest(self, report_sha256: str) -> dict[str, Decision]:
        """The decision in force per field path (see `in_force`)."""
        return in_force(self.history(report_sha256))

    def undo(self, report: str, report_sha256: str, field: str, reviewer: str) -> Decision | None:
        """Withdraw the decision in force on `field` (None when there is none)."""
        current = self.latest(report_sha256).get(field)
        if current is None:
            return None
        return self.add(
            Decision(
                report=report,
                report_sha256=report_sha256,
                field=field,
                old_value=current.new_value,
                new_value=current.old_value,
                action=Action.UNDO,
                reviewer=reviewer,
                undoes=current.id,
            )
        )

    def set_state(
        self, report: str, report_sha256: str, state: ReportState, reviewer: str
    ) -> StateRecord:
        """Mark a report done (or open again); appended like decisions."""
        record = StateRecord(state=state, reviewer=reviewer, time=now())
        with self._connect() as connection:
            connection.execute(
                "INSERT INTO report_states (report, report_sha256, state, reviewer, time)"
                " VALUES (?,?,?,?,?)",
                (report, report_sha256, state.value, reviewer, record.time),
            )
        logger.info("%s: marked %s by %s", report, state.value, reviewer)
        return record

    def states(self) -> dict[str, StateRecord]:
        """Report hash -> its state in force (the last one set)."""
        with self._connect() as connection:
            rows = connection.execute(
                "SELECT report_sha256, state, reviewer, time FROM report_states ORDER BY id"
            ).fetchall()
        return {
            row["report_sha256"]: StateRecord(
                state=ReportState(row["state"]), reviewer=row["reviewer"], time=row["time"]
            )
            for row in rows
        }
