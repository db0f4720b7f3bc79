"""One record per task execution: loads, runs, experiment children, transfers, queries, advice."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class TaskExecution:
    id: str
    kind: str  # "load", "run", "experiment_child", "transfer", "query", "advice"
    subject: str  # source name, notebook path, schedule, query fingerprint, table
    parameters: dict[str, Any]
    links: dict[str, Any]
    started: datetime
    ended: datetime
    host: str = ""
    phases: dict[str, float] = field(default_factory=dict)
    rows: int | None = None
    bytes: int | None = None
    cpu_s: float | None = None
    peak_rss: int | None = None
    outcome: str = "ok"
    error_code: str | None = None
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def duration_s(self) -> float:
        return (self.ended - self.started).total_seconds()
