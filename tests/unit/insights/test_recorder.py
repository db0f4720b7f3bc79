"""The recorder's writer holds the store's exclusive lock while it writes and refreshes findings."""

from __future__ import annotations

import threading

from hpdp.adapters.memory_ledger import InMemoryLedger
from hpdp.application.recording import Recorder


class WatchedLedger(InMemoryLedger):
    def __init__(self, lock: threading.RLock) -> None:
        super().__init__()
        self.lock = lock
        self.held: list[bool] = []

    def _record(self, executions):  # type: ignore[no-untyped-def]
        self.held.append(self.lock._is_owned())  # type: ignore[attr-defined]
        super()._record(executions)


def test_the_writer_thread_writes_while_holding_the_exclusive_lock() -> None:
    lock = threading.RLock()
    ledger = WatchedLedger(lock)
    recorder = Recorder(ledger, exclusive=lambda: lock)
    with recorder.task("load", "orders"):
        pass
    recorder.close()
    assert ledger.held == [True] and len(ledger.executions()) == 1
