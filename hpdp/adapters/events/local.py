"""Events in a SQLite file of the workspace: every process on this host appends and reads in order."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path

from hpdp.application.clock import Clock, utcnow
from hpdp.application.events import AbstractEventBus
from hpdp.domain.events import Event

KEEP = 10_000  # newest events kept; older ones are pruned as new ones arrive
_POLL_S = 0.1
_SCHEMA = "CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL)"


class LocalEventBus(AbstractEventBus):
    def __init__(self, path: Path, clock: Clock = utcnow) -> None:
        super().__init__(clock)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._con = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
        self._con.execute("PRAGMA journal_mode=WAL")
        self._con.execute(_SCHEMA)

    def _append(self, event: Event) -> None:
        body = json.dumps(event.to_dict(), default=str)
        with self._lock:
            new_id = self._con.execute("INSERT INTO events (body) VALUES (?)", (body,)).lastrowid
            if new_id and new_id % 500 == 0:
                self._con.execute("DELETE FROM events WHERE id <= ?", (new_id - KEEP,))

    def read(self, after: str | None, timeout_s: float = 0.0) -> tuple[list[Event], str]:
        if after is None:
            with self._lock:
                newest = self._con.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]
            return [], str(newest)
        deadline = time.monotonic() + timeout_s
        while True:
            with self._lock:
                rows = self._con.execute(
                    "SELECT id, body FROM events WHERE id > ? ORDER BY id LIMIT 1000", (int(after),)
                ).fetchall()
            if rows or time.monotonic() >= deadline:
                break
            time.sleep(min(_POLL_S, max(0.0, deadline - time.monotonic())))
        if not rows:
            return [], after
        return [Event.from_dict(json.loads(body)) for _, body in rows], str(rows[-1][0])

    def close(self) -> None:
        with self._lock:
            self._con.close()
