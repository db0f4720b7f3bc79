"""The SQLite run log opened by several processes at once (workers, schedulers, `hpdp run`)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

from hpdp.adapters.runs.sqlite_log import SQLiteRunLog
from hpdp.domain.runs import RunStatus

OPEN_AND_LIST = (
    "import sys; from hpdp.adapters.runs.sqlite_log import SQLiteRunLog; "
    "log = SQLiteRunLog(sys.argv[1]); log.list(); log.close()"
)


def test_opening_waits_while_another_connection_holds_a_new_log_locked(tmp_path: Path) -> None:
    path = tmp_path / "runs.sqlite"
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")  # a new file in rollback mode, write-locked as a starting process has it
    holder.execute("CREATE TABLE other (x)")
    release = threading.Timer(0.5, lambda: holder.execute("COMMIT"))
    release.start()
    try:
        log = SQLiteRunLog(path)  # switching to WAL meets the lock; SQLite does not wait for it by itself
    finally:
        release.join()
        holder.close()
    assert log.list(status=RunStatus.RUNNING) == []
    log.close()


def test_several_processes_open_a_new_log_at_once(tmp_path: Path) -> None:
    for attempt in range(5):
        path = tmp_path / f"runs{attempt}.sqlite"
        procs = [
            subprocess.Popen([sys.executable, "-c", OPEN_AND_LIST, str(path)], stderr=subprocess.PIPE, text=True)
            for _ in range(3)
        ]
        errors = [p.communicate(timeout=60)[1] for p in procs]
        assert all(p.returncode == 0 for p in procs), errors


def test_a_log_made_before_runs_recorded_their_process_opens_and_gains_the_column(tmp_path: Path) -> None:
    path = tmp_path / "runs.sqlite"
    with sqlite3.connect(path) as old:
        old.execute(
            "CREATE TABLE runs (id TEXT PRIMARY KEY, status TEXT NOT NULL, queue TEXT NOT NULL, schedule TEXT, "
            "request TEXT NOT NULL, created TEXT NOT NULL, started TEXT, ended TEXT, output_path TEXT, "
            "tracking_id TEXT, tracking_url TEXT, reason TEXT, worker TEXT, heartbeat TEXT, not_before TEXT)"
        )
        old.execute(
            "INSERT INTO runs (id, status, queue, request, created) VALUES "
            """('r1', 'queued', 'thread', '{"notebook": "a.ipynb"}', '2026-01-01T00:00:00+00:00')"""
        )
    old.close()
    log = SQLiteRunLog(path)
    [record] = log.list()
    assert record.process is None
    claimed = log.claim("r1", "w", record.created, "host:1:1.0")
    assert claimed is not None and claimed.process == "host:1:1.0"
    log.close()
