"""The run log in a SQLite file in the workspace (WAL): safe for several schedulers and workers."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from contextlib import suppress
from datetime import datetime
from pathlib import Path
from typing import Any

from hpdp.application.runs_ports import AbstractRunLog
from hpdp.domain.errors import UnavailableError
from hpdp.domain.runs import (
    MissedPolicy,
    RunNotFoundError,
    RunRecord,
    RunRequest,
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
_RUN_COLUMNS = (
    "status",
    "queue",
    "started",
    "ended",
    "output_path",
    "tracking_id",
    "tracking_url",
    "reason",
    "worker",
    "heartbeat",
    "not_before",
    "process",
)
_DATES = ("created", "started", "ended", "heartbeat", "not_before")


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


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
        request = json.dumps(record.request.__dict__, default=str)
        self._exec(
            "INSERT INTO runs (id, status, queue, schedule, request, created, not_before) VALUES (?,?,?,?,?,?,?)",
            (
                record.id,
                record.status.value,
                record.queue,
                record.request.schedule,
                request,
                _iso(record.created),
                _iso(record.not_before),
            ),
        )

    def get(self, run_id: str) -> RunRecord:
        row = self._exec("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise RunNotFoundError(f"There is no run {run_id!r}.", hint="list the runs to see which exist.")
        return self._record(row)

    def update(self, run_id: str, **changes: Any) -> RunRecord:
        unknown = set(changes) - set(_RUN_COLUMNS)
        if unknown:
            raise ValueError(f"not run columns: {unknown}")
        if changes:
            sets = ", ".join(f"{k} = ?" for k in changes)
            values = tuple(v.value if isinstance(v, RunStatus) else _iso(v) for v in changes.values())
            self._exec(f"UPDATE runs SET {sets} WHERE id = ?", (*values, run_id))
        return self.get(run_id)

    def update_if(self, run_id: str, expected: RunStatus, **changes: Any) -> RunRecord | None:
        unknown = set(changes) - set(_RUN_COLUMNS)
        if unknown or not changes:
            raise ValueError(f"not run columns: {unknown}")
        sets = ", ".join(f"{k} = ?" for k in changes)
        values = tuple(v.value if isinstance(v, RunStatus) else _iso(v) for v in changes.values())
        cur = self._exec(f"UPDATE runs SET {sets} WHERE id = ? AND status = ?", (*values, run_id, expected.value))
        return self.get(run_id) if cur.rowcount == 1 else None

    def claim(self, run_id: str, worker: str, now: datetime, process: str | None = None) -> RunRecord | None:
        cur = self._exec(
            "UPDATE runs SET status = 'running', worker = ?, started = ?, heartbeat = ?, process = ? "
            "WHERE id = ? AND status = 'queued'",
            (worker, _iso(now), _iso(now), process, run_id),
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
        rows = self._exec(f"SELECT * FROM runs {clause} ORDER BY created DESC, id DESC LIMIT ?", (*params, limit))
        return [self._record(r) for r in rows.fetchall()]

    def _record(self, row: tuple[Any, ...]) -> RunRecord:
        (
            id_,
            status,
            queue,
            _schedule,
            request,
            created,
            started,
            ended,
            output_path,
            tracking_id,
            tracking_url,
            reason,
            worker,
            heartbeat,
            not_before,
            process,
        ) = row
        return RunRecord(
            id=id_,
            request=RunRequest(**json.loads(request)),
            status=RunStatus(status),
            queue=queue,
            created=_dt(created),
            started=_dt(started),
            ended=_dt(ended),  # type: ignore[arg-type]
            output_path=output_path,
            tracking_id=tracking_id,
            tracking_url=tracking_url,
            reason=reason,
            worker=worker,
            heartbeat=_dt(heartbeat),
            not_before=_dt(not_before),
            process=process,
        )

    # -- schedules --------------------------------------------------------------------------------
    def add_schedule(self, schedule: Schedule) -> None:
        try:
            self._exec(
                "INSERT INTO schedules (name, body, paused, last_due) VALUES (?,?,?,?)",
                (schedule.name, self._body(schedule), int(schedule.paused), _iso(schedule.last_due)),
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
        return self._schedule(row)

    def update_schedule(self, name: str, **changes: Any) -> Schedule:
        current = self.get_schedule(name).but(**changes)
        self._exec(
            "UPDATE schedules SET body = ?, paused = ?, last_due = ? WHERE name = ?",
            (self._body(current), int(current.paused), _iso(current.last_due), name),
        )
        return current

    def remove_schedule(self, name: str) -> None:
        self.get_schedule(name)
        self._exec("DELETE FROM schedules WHERE name = ?", (name,))

    def schedules(self) -> list[Schedule]:
        rows = self._exec("SELECT body, paused, last_due FROM schedules ORDER BY name").fetchall()
        return [self._schedule(r) for r in rows]

    def claim_firing(self, schedule: str, due: datetime) -> bool:
        cur = self._exec("INSERT OR IGNORE INTO firings (schedule, due) VALUES (?, ?)", (schedule, _iso(due)))
        return cur.rowcount == 1

    @staticmethod
    def _body(s: Schedule) -> str:
        body = {k: _iso(v) for k, v in s.__dict__.items() if k not in ("paused", "last_due")}
        return json.dumps(body, default=str)

    @staticmethod
    def _schedule(row: tuple[Any, ...]) -> Schedule:
        body = json.loads(row[0])
        body["missed"] = MissedPolicy(body["missed"])
        body["created"] = _dt(body.get("created"))
        return Schedule(**body, paused=bool(row[1]), last_due=_dt(row[2]))

    def close(self) -> None:
        with self._lock:
            self._con.close()
