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
