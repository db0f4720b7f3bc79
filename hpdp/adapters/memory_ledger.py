"""In-memory ledger and finding store: fakes for tests and scratch notebooks (nothing is kept)."""

from __future__ import annotations

import threading
from datetime import datetime

from hpdp.application.ledger import AbstractFindingStore, AbstractLedger
from hpdp.domain.findings import Finding
from hpdp.domain.ledger import TaskExecution


class InMemoryLedger(AbstractLedger):
    def __init__(self) -> None:
        self.rows: list[TaskExecution] = []
        self._lock = threading.Lock()

    def _record(self, executions: list[TaskExecution]) -> None:
        with self._lock:
            self.rows.extend(executions)

    def executions(
        self,
        kind: str | None = None,
        subject: str | None = None,
        since: datetime | None = None,
        limit: int | None = None,
    ) -> list[TaskExecution]:
        with self._lock:
            rows = [
                e
                for e in sorted(self.rows, key=lambda e: e.started)
                if (kind is None or e.kind == kind)
                and (subject is None or e.subject == subject)
                and (since is None or e.started >= since)
            ]
        return rows[-limit:] if limit else rows


class InMemoryFindingStore(AbstractFindingStore):
    def __init__(self) -> None:
        self.rows: dict[str, Finding] = {}

    def upsert(self, finding: Finding) -> None:
        self.rows[finding.id] = finding

    def list(self, status: str | None = None) -> list[Finding]:
        return [f for f in self.rows.values() if status is None or f.status == status]
