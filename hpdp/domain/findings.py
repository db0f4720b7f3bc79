"""Findings: what the platform learned about its own work, with the evidence and a status."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

KINDS = (
    "duration_regression",
    "failure_rate",
    "bottleneck",
    "resource_outlier",
    "schedule_contention",
    "engine_advice",
    "data_health",
)
STATUSES = ("open", "accepted", "dismissed", "resolved")


@dataclass(frozen=True)
class Finding:
    id: str
    kind: str
    subject: str
    severity: str
    message: str
    since: str  # the run id, load id or execution id where it started
    evidence: dict[str, Any] = field(default_factory=dict)
    status: str = "open"
    created: datetime | None = None
    updated: datetime | None = None
