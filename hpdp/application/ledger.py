"""The execution ledger and the findings drawn from it: two ports and the insight service.

Every task records one `TaskExecution` through `AbstractLedger`; `InsightService` runs the detectors over
the ledger and keeps their findings in `AbstractFindingStore`, with a status a person can change. A finding's
id comes from its kind, subject and starting point, so the same evidence gives the same finding: a
dismissed one stays dismissed, and one whose cause is gone (a regression back at its baseline) is resolved.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from datetime import datetime

from hpdp.application import detectors
from hpdp.application.clock import Clock, utcnow
from hpdp.application.events import AbstractEventBus, NullEventBus
from hpdp.domain.errors import InvalidInputError
from hpdp.domain.findings import Finding, FindingKind, FindingNotFoundError, FindingStatus, parse_finding_status
from hpdp.domain.ledger import KINDS, TaskExecution

log = logging.getLogger(__name__)
HISTORY = 200  # executions of one subject the detectors look at
# Kinds whose findings describe the present state: when a refresh no longer raises one, it is resolved.
CURRENT_STATE = {
    FindingKind.DURATION_REGRESSION.value,
    FindingKind.FAILURE_RATE.value,
    FindingKind.RESOURCE_OUTLIER.value,
    FindingKind.DATA_HEALTH.value,
    FindingKind.BOTTLENECK.value,
    FindingKind.SCHEDULE_CONTENTION.value,
}


class AbstractLedger(ABC):
    """Where executions are kept; `executions` answers oldest first."""

    def record(self, execution: TaskExecution) -> None:
        if execution.kind not in KINDS:
            raise InvalidInputError(f"Unknown task kind {execution.kind!r}; use one of: {', '.join(KINDS)}.")
        self._record([execution])

    def record_many(self, executions: Iterable[TaskExecution]) -> None:
        batch = list(executions)
        if batch:
            self._record(batch)

    @abstractmethod
    def _record(self, executions: list[TaskExecution]) -> None: ...

    @abstractmethod
    def executions(
        self,
        kind: str | None = None,
        subject: str | None = None,
        since: datetime | None = None,
        limit: int | None = None,
    ) -> list[TaskExecution]:
        """Executions, oldest first; with `limit`, the newest `limit` of them."""

    def close(self) -> None:  # noqa: B027 - ledgers over a store the container owns have nothing to close
        """Release what the ledger holds."""


class AbstractFindingStore(ABC):
    @abstractmethod
    def upsert(self, finding: Finding) -> None: ...

    def upsert_many(self, findings: list[Finding]) -> None:
        """Several at once (stores that can write them in one commit override this)."""
        for finding in findings:
            self.upsert(finding)

    @abstractmethod
    def list(self, status: str | None = None) -> list[Finding]: ...

    def get(self, finding_id: str) -> Finding:
        for finding in self.list():
            if finding.id == finding_id:
                return finding
        raise FindingNotFoundError(f"No finding has the id {finding_id!r}.")

    def set_status(self, finding_id: str, status: str, when: datetime | None = None) -> Finding:
        changed = self.get(finding_id).but(status=parse_finding_status(status).value, updated=when)
        self.upsert(changed)
        return changed


class InsightService:
    """`hpdp insights`, the API and the pages: findings refreshed from the ledger, listed and dismissed."""

    def __init__(
        self,
        ledger: AbstractLedger,
        findings: AbstractFindingStore,
        clock: Clock = utcnow,
        events: Callable[[], AbstractEventBus] = NullEventBus,
    ) -> None:
        self.ledger = ledger
        self.findings = findings
        self._clock = clock
        self._events = events  # `insights.changed` after findings were stored (pages refresh on it)

    # -- refreshing ---------------------------------------------------------------------------------------
    def refresh(self, subject: str | None = None) -> list[Finding]:
        """Run the detectors (over one subject's history, or all) and store what changed; the open findings."""
        history = self.ledger.executions(subject=subject) if subject else self.ledger.executions()
        found = detectors.detect_all(history, self._clock())
        scope = {e.subject for e in history} if subject else None
        self._reconcile(found, scope)
        return self.open()

    def after(self, execution: TaskExecution) -> None:
        """The cheap refresh after one task: only that subject's recent history (never raises)."""
        try:
            history = self.ledger.executions(subject=execution.subject, limit=HISTORY)
            if execution.kind == "run" and execution.links.get("schedule"):
                schedule = execution.links["schedule"]
                others = self.ledger.executions(kind="run", limit=HISTORY)
                history = [e for e in others if e.links.get("schedule") == schedule or e.subject == execution.subject]
            self._reconcile(detectors.detect_all(history, self._clock()), {execution.subject})
        except Exception:  # a finding is advice: the task that just ran is never failed by it
            log.exception("findings could not be refreshed after %s", execution.id)

    def _reconcile(self, found: list[Finding], scope: set[str] | None) -> None:
        now = self._clock()
        stored = {f.id: f for f in self.findings.list()}
        changed: dict[str, Finding] = {}
        fresh_ids = set()
        for finding in found:
            same = stored.get(finding.id) or _same_evidence(finding, stored.values())
            if same is None:
                changed[finding.id] = finding.but(created=now, updated=now)
            elif same.status == FindingStatus.RESOLVED.value or (
                same.status == FindingStatus.OPEN.value and same.message != finding.message
            ):  # it came back, or its numbers moved
                changed[same.id] = finding.but(id=same.id, created=same.created, updated=now)
            fresh_ids.add(same.id if same is not None else finding.id)
        for old in stored.values():
            in_scope = scope is None or _subjects(old) & scope
            if (
                old.status == FindingStatus.OPEN.value
                and old.kind in CURRENT_STATE
                and old.id not in fresh_ids
                and in_scope
            ):
                changed[old.id] = old.but(status=FindingStatus.RESOLVED.value, updated=now)
        if changed:
            self.findings.upsert_many(list(changed.values()))
            self._changed(len(changed))

    def _changed(self, count: int) -> None:
        try:
            self._events().publish("insights.changed", findings=count)
        except Exception:  # an event informs; the findings are stored already
            log.warning("insights.changed could not be published", exc_info=True)

    # -- reading and deciding -------------------------------------------------------------------------------
    def open(self) -> list[Finding]:
        return _ordered(self.findings.list(FindingStatus.OPEN.value))

    def all(self) -> list[Finding]:
        return _ordered(self.findings.list())

    def get(self, finding_id: str) -> Finding:
        return self.findings.get(finding_id)

    def listing(self, include_all: bool = False) -> list[Finding]:
        """The open findings, or every finding with `include_all`: what the CLI, the API and the page show."""
        return self.all() if include_all else self.open()

    def dismiss(self, finding_id: str) -> Finding:
        return self._set(finding_id, FindingStatus.DISMISSED)

    def accept(self, finding_id: str) -> Finding:
        return self._set(finding_id, FindingStatus.ACCEPTED)

    def _set(self, finding_id: str, status: FindingStatus) -> Finding:
        finding = self.findings.set_status(finding_id, status.value, self._clock())
        self._changed(1)
        return finding


def _subjects(finding: Finding) -> set[str]:
    return {finding.subject, *finding.evidence.get("subjects", [])}


def _same_evidence(finding: Finding, stored: Iterable[Finding]) -> Finding | None:
    """A stored finding about the same step: same kind and subject, starting at one of the executions around
    the new one's start (a step is located more precisely as its runs come in)."""
    around = set(finding.evidence.get("around", ()))
    if not around:
        return None
    for old in stored:
        if old.kind == finding.kind and old.subject == finding.subject and old.since in around:
            return old
    return None


_SEVERITY = {"critical": 0, "warning": 1, "info": 2}


def _ordered(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (_SEVERITY.get(f.severity, 3), f.kind, f.subject))
