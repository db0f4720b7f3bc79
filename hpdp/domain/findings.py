"""Findings: what the platform learnt from its own executions, with the evidence and a status."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from hpdp.domain.errors import ErrorKind, InvalidInputError, NotFoundError


class FindingKind(StrEnum):
    DURATION_REGRESSION = "duration_regression"
    FAILURE_RATE = "failure_rate"
    BOTTLENECK = "bottleneck"
    RESOURCE_OUTLIER = "resource_outlier"
    SCHEDULE_CONTENTION = "schedule_contention"
    ENGINE_ADVICE = "engine_advice"
    DATA_HEALTH = "data_health"


class FindingStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DISMISSED = "dismissed"
    RESOLVED = "resolved"


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class FindingNotFoundError(NotFoundError):
    """No finding has the given id."""

    kind, code = ErrorKind.NOT_FOUND, "finding_not_found"


class FindingStatusError(InvalidInputError):
    """A finding status that does not exist."""

    code = "finding_status_invalid"


def parse_finding_status(value: str | FindingStatus) -> FindingStatus:
    try:
        return FindingStatus(value)
    except ValueError:
        accepted = ", ".join(s.value for s in FindingStatus)
        raise FindingStatusError(f"Unknown finding status {value!r}; use one of: {accepted}.") from None


def finding_id(kind: str, subject: str, since: str) -> str:
    """The same kind, subject and starting point (the same evidence) give the same id, so a dismissal holds."""
    return hashlib.sha1(f"{kind}|{subject}|{since}".encode()).hexdigest()[:10]


@dataclass(frozen=True)
class Finding:
    """One finding. `since` is the run id, load id or execution id where it started."""

    id: str
    kind: str
    subject: str
    severity: str
    message: str
    since: str
    evidence: dict[str, Any] = field(default_factory=dict)
    status: str = FindingStatus.OPEN.value
    created: datetime | None = None
    updated: datetime | None = None

    @classmethod
    def new(
        cls,
        kind: FindingKind,
        subject: str,
        since: str,
        message: str,
        severity: Severity,
        evidence: dict[str, Any],
        *,
        key: str | None = None,
    ) -> Finding:
        """`key` names the evidence when `since` alone does not (a phase, a pair of schedules)."""
        fid = finding_id(kind.value, subject, key or since)
        return cls(fid, kind.value, subject, severity.value, message, since, evidence)

    def but(self, **changes: Any) -> Finding:
        return replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "subject": self.subject,
            "severity": self.severity,
            "status": self.status,
            "message": self.message,
            "since": self.since,
            "evidence": self.evidence,
            "created": self.created.isoformat() if self.created else None,
            "updated": self.updated.isoformat() if self.updated else None,
        }
