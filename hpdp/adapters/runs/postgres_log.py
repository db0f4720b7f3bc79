"""The run log in PostgreSQL (schema hpdp_runs): shared by schedulers and workers on several hosts."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from hpdp.adapters.runs.rows import (
    RUN_FIELDS,
    checked_changes,
    request_json,
    run_record,
    schedule_body,
    schedule_from_row,
)
from hpdp.application.runs_ports import AbstractRunLog
from hpdp.domain.errors import ConfigError, UnavailableError, first_line, redact
from hpdp.domain.runs import (
    RunNotFoundError,
    RunRecord,
    RunStatus,
    Schedule,
    ScheduleExistsError,
    ScheduleNotFoundError,
)

SCHEMA = "hpdp_runs"
CONNECT_TIMEOUT_S = 5
_LOCK_KEY = 0x68706470  # advisory lock held while a process creates the tables
_DDL = (
    f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}",
    f"""CREATE TABLE IF NOT EXISTS {SCHEMA}.runs (
      id TEXT PRIMARY KEY, status TEXT NOT NULL, queue TEXT NOT NULL, schedule TEXT, request TEXT NOT NULL,
      created TIMESTAMPTZ NOT NULL, started TIMESTAMPTZ, ended TIMESTAMPTZ, output_path TEXT, tracking_id TEXT,
      tracking_url TEXT, reason TEXT, worker TEXT, heartbeat TIMESTAMPTZ, not_before TIMESTAMPTZ, process TEXT)""",
    f"CREATE INDEX IF NOT EXISTS runs_status ON {SCHEMA}.runs (status)",
    f"CREATE INDEX IF NOT EXISTS runs_schedule ON {SCHEMA}.runs (schedule)",
    f"""CREATE TABLE IF NOT EXISTS {SCHEMA}.schedules (
      name TEXT PRIMARY KEY, body TEXT NOT NULL, paused BOOLEAN NOT NULL, last_due TIMESTAMPTZ)""",
    f"""CREATE TABLE IF NOT EXISTS {SCHEMA}.firings (
      schedule TEXT NOT NULL, due TIMESTAMPTZ NOT NULL, PRIMARY KEY (schedule, due))""",
)
_FIELDS = ", ".join(RUN_FIELDS)
_CLAIM_DUE = f"""
WITH claimed AS (
  UPDATE {SCHEMA}.schedules SET last_due = %(due)s
  WHERE name = %(name)s AND NOT paused AND (last_due IS NULL OR last_due < %(due)s)
  RETURNING name)
INSERT INTO {SCHEMA}.firings (schedule, due) SELECT name, %(due)s FROM claimed
ON CONFLICT DO NOTHING RETURNING schedule"""


def check_url(url: str | None, setting: str) -> str:
    if not url:
        raise ConfigError(f"HPDP_RUN_LOG=postgres needs {setting}=postgresql://user:password@host:port/dbname.")
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres") or not parts.path.strip("/"):
        raise ConfigError(
            f"{setting}={redact(url)!r} is not a PostgreSQL URL; use postgresql://user:password@host:port/dbname."
        )
    return url


class PostgresRunLog(AbstractRunLog):
    def __init__(self, url: str | None, *, setting: str = "HPDP_RUN_LOG_URL") -> None:
        self.url = check_url(url, setting)
        self.setting = setting
        self._lock = threading.Lock()
        self._con = self._connect()
        self._prepare()

    def _connect(self) -> Any:
        import psycopg

        try:
            con = psycopg.connect(self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S)
        except psycopg.Error as exc:
            raise UnavailableError(
                f"The run log's PostgreSQL at {redact(self.url)} does not answer ({redact(first_line(exc))}); "
                f"start the server or fix {self.setting}.",
                code="run_log_unavailable",
            ) from None
        con.execute("SET TIME ZONE 'UTC'")
        return con

    def _prepare(self) -> None:
        """Create the schema and tables; an advisory lock keeps processes starting together from colliding."""
        with self._lock, self._con.transaction():
            self._con.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
            for statement in _DDL:
                self._con.execute(statement)

    def _exec(self, sql: str, params: Any = ()) -> Any:
        import psycopg

        with self._lock:
            if self._con.closed:  # the server restarted, or the connection dropped while idle
                self._con = self._connect()
            try:
                return self._con.execute(sql, params)
            except psycopg.OperationalError as exc:
                if not self._con.closed:
                    raise
                raise UnavailableError(
                    f"The run log's PostgreSQL at {redact(self.url)} went away ({redact(first_line(exc))}); "
                    "the next call reconnects.",
                    code="run_log_unavailable",
                ) from None

    # -- runs -------------------------------------------------------------------------------------
    def add(self, record: RunRecord) -> None:
        self._exec(
            f"INSERT INTO {SCHEMA}.runs (id, status, queue, schedule, request, created, not_before) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (
                record.id,
                record.status.value,
                record.queue,
                record.request.schedule,
                request_json(record.request),
                record.created,
                record.not_before,
            ),
        )

    def get(self, run_id: str) -> RunRecord:
        row = self._exec(f"SELECT {_FIELDS} FROM {SCHEMA}.runs WHERE id = %s", (run_id,)).fetchone()
        if row is None:
            raise RunNotFoundError(f"There is no run {run_id!r}.", hint="list the runs to see which exist.")
        return run_record(row)

    def update(self, run_id: str, **changes: Any) -> RunRecord:
        changes = checked_changes(changes)
        if changes:
            sets = ", ".join(f"{k} = %s" for k in changes)
            self._exec(f"UPDATE {SCHEMA}.runs SET {sets} WHERE id = %s", (*changes.values(), run_id))
        return self.get(run_id)

    def update_if(self, run_id: str, expected: RunStatus, **changes: Any) -> RunRecord | None:
        changes = checked_changes(changes)
        if not changes:
            raise ValueError("no changes")
        sets = ", ".join(f"{k} = %s" for k in changes)
        cur = self._exec(
            f"UPDATE {SCHEMA}.runs SET {sets} WHERE id = %s AND status = %s",
            (*changes.values(), run_id, expected.value),
        )
        return self.get(run_id) if cur.rowcount == 1 else None

    def claim(self, run_id: str, worker: str, now: datetime, process: str | None = None) -> RunRecord | None:
        cur = self._exec(
            f"UPDATE {SCHEMA}.runs SET status = 'running', worker = %s, started = %s, heartbeat = %s, process = %s "
            "WHERE id = %s AND status = 'queued'",
            (worker, now, now, process, run_id),
        )
        return self.get(run_id) if cur.rowcount == 1 else None

    def list(
        self, *, status: RunStatus | None = None, schedule: str | None = None, limit: int = 100
    ) -> list[RunRecord]:
        where, params = [], []
        if status is not None:
            where.append("status = %s")
            params.append(RunStatus(status).value)
        if schedule is not None:
            where.append("schedule = %s")
            params.append(schedule)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        sql = f"SELECT {_FIELDS} FROM {SCHEMA}.runs {clause} ORDER BY created DESC, id DESC LIMIT %s"
        return [run_record(r) for r in self._exec(sql, (*params, limit)).fetchall()]

    # -- schedules --------------------------------------------------------------------------------
    def add_schedule(self, schedule: Schedule) -> None:
        cur = self._exec(
            f"INSERT INTO {SCHEMA}.schedules (name, body, paused, last_due) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (name) DO NOTHING",
            (schedule.name, schedule_body(schedule), schedule.paused, schedule.last_due),
        )
        if cur.rowcount != 1:
            raise ScheduleExistsError(
                f"A schedule named {schedule.name!r} exists; remove it first or pick another name."
            )

    def get_schedule(self, name: str) -> Schedule:
        row = self._exec(f"SELECT body, paused, last_due FROM {SCHEMA}.schedules WHERE name = %s", (name,)).fetchone()
        if row is None:
            raise ScheduleNotFoundError(
                f"There is no schedule {name!r}.", hint="list the schedules to see which exist."
            )
        return schedule_from_row(*row)

    def update_schedule(self, name: str, **changes: Any) -> Schedule:
        current = self.get_schedule(name).but(**changes)
        sets, values = "body = %s, paused = %s", [schedule_body(current), current.paused]
        if "last_due" in changes:  # else left alone: a scheduler may be claiming a due time meanwhile
            sets += ", last_due = %s"
            values.append(current.last_due)
        self._exec(f"UPDATE {SCHEMA}.schedules SET {sets} WHERE name = %s", (*values, name))
        return current

    def remove_schedule(self, name: str) -> None:
        self.get_schedule(name)
        self._exec(f"DELETE FROM {SCHEMA}.schedules WHERE name = %s", (name,))

    def schedules(self) -> list[Schedule]:
        rows = self._exec(f"SELECT body, paused, last_due FROM {SCHEMA}.schedules ORDER BY name").fetchall()
        return [schedule_from_row(*r) for r in rows]

    def claim_due(self, schedule: str, due: datetime) -> bool:
        # Concurrent UPDATEs of one row queue on its lock; each later one re-checks the condition on the row
        # the first committed, finds last_due no longer earlier, and changes nothing.
        return self._exec(_CLAIM_DUE, {"due": due, "name": schedule}).fetchone() is not None

    def close(self) -> None:
        with self._lock:
            self._con.close()
