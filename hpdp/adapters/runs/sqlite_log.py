"""The run log in a SQLite file in the workspace (WAL): safe for several schedulers and workers."""

from __future__ import annotations

import sqlite3
import threading
import time
from contextlib import suppress
from datetime import datetime
from pathlib import Path
from typing import Any

from hpdp.adapters.runs.rows import (
    RUN_FIELDS,
    checked_changes,
    iso,
    request_json,
    run_record,
    schedule_body,
    schedule_from_row,
    utc_iso,
)
from hpdp.application.runs_ports import AbstractRunLog
from hpdp.domain.errors import UnavailableError
from hpdp.domain.runs import (
    RunNotFoundError,
    RunRecord,
    RunStatus,
    Schedule,
    ScheduleExistsError,
    ScheduleNotFoundError,
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
  id TEXT PRIMARY KEY, status TEXT NOT NULL, queue TEXT NOT NULL, schedule TEXT, request TEXT NOT NULL,
  created TEXT NOT NULL, started TEXT, ended TEXT, output_path TEXT, tracking_id TEXT, tracking_url TEXT,
  reason TEXT, worker TEXT, heartbeat TEXT, not_before TEXT);
CREATE INDEX IF NOT EXISTS runs_status ON runs (status);
CREATE INDEX IF NOT EXISTS runs_schedule ON runs (schedule);
CREATE TABLE IF NOT EXISTS schedules (name TEXT PRIMARY KEY, body TEXT NOT NULL, paused INTEGER NOT NULL,
  last_due TEXT);
CREATE TABLE IF NOT EXISTS firings (schedule TEXT NOT NULL, due TEXT NOT NULL, PRIMARY KEY (schedule, due));
"""
_FIELDS = ", ".join(RUN_FIELDS)


class SQLiteRunLog(AbstractRunLog):
    timeout_s = 30.0

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self._lock = threading.Lock()
        self._con = sqlite3.connect(self.path, timeout=self.timeout_s, isolation_level=None, check_same_thread=False)
        self._con.execute(f"PRAGMA busy_timeout = {int(self.timeout_s * 1000)}")
        self._prepare()

    def _prepare(self) -> None:
        """Switch to WAL and create the tables, waiting while another process does the same.

        SQLite answers a journal-mode change that meets another connection's lock with SQLITE_BUSY at once,
        without calling the busy handler (the pragma runs inside a read transaction), so the wait is ours.
        """
        deadline = time.monotonic() + self.timeout_s
        while True:
            try:
                if self.path != ":memory:":
                    self._con.execute("PRAGMA journal_mode = WAL")
                self._con.executescript(_SCHEMA)
                self._migrate()
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc):
                    raise
                if time.monotonic() > deadline:
                    raise UnavailableError(
                        f"The run log {self.path} stayed locked for {self.timeout_s:g} s ({exc}); "
                        "stop the process that holds it, or point HPDP_HOME at another folder.",
                        code="run_log_locked",
                    ) from None
                time.sleep(0.02)

    def _migrate(self) -> None:
        """Columns added since a log was created."""
        columns = {row[1] for row in self._con.execute("PRAGMA table_info(runs)").fetchall()}
        if "process" not in columns:
            with suppress(sqlite3.OperationalError):  # added meanwhile by another process
                self._con.execute("ALTER TABLE runs ADD COLUMN process TEXT")

    def _exec(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        with self._lock:
            return self._con.execute(sql, params)

    # -- runs -------------------------------------------------------------------------------------
    def add(self, record: RunRecord) -> None:
        self._exec(
            "INSERT INTO runs (id, status, queue, schedule, request, created, not_before) VALUES (?,?,?,?,?,?,?)",
            (
                record.id,
                record.status.value,
                record.queue,
                record.request.schedule,
                request_json(record.request),
                iso(record.created),
                iso(record.not_before),
            ),
        )

    def get(self, run_id: str) -> RunRecord:
        row = self._exec(f"SELECT {_FIELDS} FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise RunNotFoundError(f"There is no run {run_id!r}.", hint="list the runs to see which exist.")
        return run_record(row)

    def update(self, run_id: str, **changes: Any) -> RunRecord:
        changes = checked_changes(changes)
        if changes:
            sets = ", ".join(f"{k} = ?" for k in changes)
            self._exec(f"UPDATE runs SET {sets} WHERE id = ?", (*map(iso, changes.values()), run_id))
        return self.get(run_id)

    def update_if(self, run_id: str, expected: RunStatus, **changes: Any) -> RunRecord | None:
        changes = checked_changes(changes)
        if not changes:
            raise ValueError("no changes")
        sets = ", ".join(f"{k} = ?" for k in changes)
        values = tuple(map(iso, changes.values()))
        cur = self._exec(f"UPDATE runs SET {sets} WHERE id = ? AND status = ?", (*values, run_id, expected.value))
        return self.get(run_id) if cur.rowcount == 1 else None

    def claim(self, run_id: str, worker: str, now: datetime, process: str | None = None) -> RunRecord | None:
        cur = self._exec(
            "UPDATE runs SET status = 'running', worker = ?, started = ?, heartbeat = ?, process = ? "
            "WHERE id = ? AND status = 'queued'",
            (worker, iso(now), iso(now), process, run_id),
        )
        return self.get(run_id) if cur.rowcount == 1 else None

    def list(
        self, *, status: RunStatus | None = None, schedule: str | None = None, limit: int = 100
    ) -> list[RunRecord]:
        where, params = [], []
        if status is not None:
            where.append("status = ?")
            params.append(RunStatus(status).value)
        if schedule is not None:
            where.append("schedule = ?")
            params.append(schedule)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        sql = f"SELECT {_FIELDS} FROM runs {clause} ORDER BY created DESC, id DESC LIMIT ?"
        return [run_record(r) for r in self._exec(sql, (*params, limit)).fetchall()]

    # -- schedules --------------------------------------------------------------------------------
    def add_schedule(self, schedule: Schedule) -> None:
        last_due = utc_iso(schedule.last_due) if schedule.last_due else None
        try:
            self._exec(
                "INSERT INTO schedules (name, body, paused, last_due) VALUES (?,?,?,?)",
                (schedule.name, schedule_body(schedule), int(schedule.paused), last_due),
            )
        except sqlite3.IntegrityError:
            raise ScheduleExistsError(
                f"A schedule named {schedule.name!r} exists; remove it first or pick another name."
            ) from None

    def get_schedule(self, name: str) -> Schedule:
        row = self._exec("SELECT body, paused, last_due FROM schedules WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise ScheduleNotFoundError(
                f"There is no schedule {name!r}.", hint="list the schedules to see which exist."
            )
        return schedule_from_row(*row)

    def update_schedule(self, name: str, **changes: Any) -> Schedule:
        current = self.get_schedule(name).but(**changes)
        sets, values = "body = ?, paused = ?", [schedule_body(current), int(current.paused)]
        if "last_due" in changes:  # else left alone: a scheduler may be claiming a due time meanwhile
            sets += ", last_due = ?"
            values.append(utc_iso(current.last_due) if current.last_due else None)
        self._exec(f"UPDATE schedules SET {sets} WHERE name = ?", (*values, name))
        return current

    def remove_schedule(self, name: str) -> None:
        self.get_schedule(name)
        self._exec("DELETE FROM schedules WHERE name = ?", (name,))

    def schedules(self) -> list[Schedule]:
        rows = self._exec("SELECT body, paused, last_due FROM schedules ORDER BY name").fetchall()
        return [schedule_from_row(*r) for r in rows]

    def claim_due(self, schedule: str, due: datetime) -> bool:
        # Writes are serialised by SQLite: the first writer moves last_due, the condition fails for the others.
        # The winner also notes the due time in `firings` (a history of what fired, per schedule).
        due_text = utc_iso(due)
        with self._lock:
            self._con.execute("BEGIN IMMEDIATE")
            try:
                cur = self._con.execute(
                    "UPDATE schedules SET last_due = ? "
                    "WHERE name = ? AND paused = 0 AND (last_due IS NULL OR last_due < ?)",
                    (due_text, schedule, due_text),
                )
                won = cur.rowcount == 1 and (
                    self._con.execute(
                        "INSERT OR IGNORE INTO firings (schedule, due) VALUES (?, ?)", (schedule, due_text)
                    ).rowcount
                    == 1
                )
                self._con.execute("COMMIT")
            except BaseException:
                self._con.execute("ROLLBACK")
                raise
        return won

    def close(self) -> None:
        with self._lock:
            self._con.close()
