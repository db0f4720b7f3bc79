"""Ledger and finding store in memory: for tests, and for a workbench that keeps no history."""

from __future__ import annotations

import builtins
from dataclasses import replace
from datetime import datetime

from hpdp.application.ledger import AbstractFindingStore, AbstractLedger
from hpdp.domain.errors import NotFoundError
from hpdp.domain.findings import Finding
from hpdp.domain.ledger import TaskExecution


class InMemoryLedger(AbstractLedger):
    def __init__(self) -> None:
        self.items: list[TaskExecution] = []

    def record(self, execution: TaskExecution) -> None:
        self.items.append(execution)

    def executions(
        self,
        kind: str | None = None,
        subject: str | None = None,
        since: datetime | None = None,
        limit: int | None = None,
    ) -> list[TaskExecution]:
        found = [
            e
            for e in self.items
            if (kind is None or e.kind == kind)
            and (subject is None or e.subject == subject)
            and (since is None or e.started >= since)
        ]
        return found[-limit:] if limit else found


class InMemoryFindingStore(AbstractFindingStore):
    def __init__(self) -> None:
        self.items: dict[str, Finding] = {}

    def upsert(self, finding: Finding) -> None:
        self.items[finding.id] = finding

    def list(self, status: str | None = None) -> builtins.list[Finding]:
        return [f for f in self.items.values() if status is None or f.status == status]

    def get(self, id: str) -> Finding:
        if id not in self.items:
            raise NotFoundError(f"No finding has the id {id!r}.", code="finding_not_found")
        return self.items[id]

    def set_status(self, id: str, status: str) -> Finding:
        self.items[id] = replace(self.get(id), status=status)
        return self.items[id]
