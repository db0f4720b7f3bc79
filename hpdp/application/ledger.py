"""Ports of the execution ledger and of the stored findings."""

from __future__ import annotations

import builtins
from abc import ABC, abstractmethod
from datetime import datetime

from hpdp.domain.findings import Finding
from hpdp.domain.ledger import TaskExecution


class AbstractLedger(ABC):
    @abstractmethod
    def record(self, execution: TaskExecution) -> None: ...

    @abstractmethod
    def executions(
        self,
        kind: str | None = None,
        subject: str | None = None,
        since: datetime | None = None,
        limit: int | None = None,
    ) -> list[TaskExecution]: ...


class AbstractFindingStore(ABC):
    @abstractmethod
    def upsert(self, finding: Finding) -> None: ...

    @abstractmethod
    def list(self, status: str | None = None) -> builtins.list[Finding]: ...

    @abstractmethod
    def get(self, id: str) -> Finding: ...

    @abstractmethod
    def set_status(self, id: str, status: str) -> Finding: ...
