"""Notebook runs: requests, records, schedules and experiments as plain values."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from hpdp.domain.errors import ConflictError, ErrorKind, InvalidInputError, NotFoundError, TaskFailedError


class RunError(TaskFailedError):
    """A notebook run could not be started or recorded."""

    code = "run_failed"


class RunNotFoundError(RunError, NotFoundError):
    """No run has the given id."""

    kind, code = ErrorKind.NOT_FOUND, "run_not_found"


class NotebookNotFoundError(RunError, NotFoundError):
    """The notebook to run is not a file."""

    kind, code = ErrorKind.NOT_FOUND, "notebook_not_found"


class NotebookError(RunError, InvalidInputError):
    """The file to run is not a notebook, or its parameters cell does not parse."""

    kind, code = ErrorKind.INVALID_INPUT, "notebook_invalid"


class ParameterError(RunError, InvalidInputError):
    """A run parameter is unknown to the notebook or has the wrong type; nothing ran."""

    kind, code = ErrorKind.INVALID_INPUT, "parameter_invalid"


class MetricError(RunError, InvalidInputError):
    """A metric logged in a run has no name or is not a finite number."""

    kind, code = ErrorKind.INVALID_INPUT, "metric_invalid"


class ScheduleError(InvalidInputError):
    """A schedule is malformed or already exists."""

    code = "schedule_invalid"


class ScheduleNotFoundError(ScheduleError, NotFoundError):
    """No schedule has the given name."""

    kind, code = ErrorKind.NOT_FOUND, "schedule_not_found"


class ScheduleExistsError(ScheduleError, ConflictError):
    """A schedule with the same name is already stored."""

    kind, code = ErrorKind.CONFLICT, "schedule_exists"


class ExperimentError(InvalidInputError):
    """An experiment file is malformed or names no runs."""

    code = "experiment_invalid"


class ExperimentNotFoundError(ExperimentError, NotFoundError):
    """An experiment has no runs yet."""

    kind, code = ErrorKind.NOT_FOUND, "experiment_not_found"


class RunStatus(StrEnum):
    QUEUED = "queued"
    WAITING = "waiting"  # a retry that may start once its backoff has passed
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"
    SKIPPED = "skipped"

    @property
    def done(self) -> bool:
        return self in (RunStatus.FINISHED, RunStatus.FAILED, RunStatus.SKIPPED)


@dataclass(frozen=True)
class RunRequest:
    """What to run: a notebook with parameters, and where it came from."""

    notebook: str
    parameters: dict[str, Any] = field(default_factory=dict)
    experiment: str | None = None
    schedule: str | None = None
    parent_tracking_id: str | None = None
    timeout_s: float | None = None
    attempt: int = 1


@dataclass(frozen=True)
class RunRecord:
    """One run as kept in the workspace's run log."""

    id: str
    request: RunRequest
    status: RunStatus
    queue: str
    created: datetime
    started: datetime | None = None
    ended: datetime | None = None
    output_path: str | None = None
    tracking_id: str | None = None
    tracking_url: str | None = None
    reason: str | None = None
    worker: str | None = None
    heartbeat: datetime | None = None
    not_before: datetime | None = None
    process: str | None = None  # the executing process ("host:pid:start"), so a dead one is seen at once

    @property
    def duration_s(self) -> float | None:
        if self.started is None or self.ended is None:
            return None
        return (self.ended - self.started).total_seconds()

    @property
    def host(self) -> str | None:
        """The host that executes or executed it (from its process), so runs spread over workers tell apart."""
        return self.process.rsplit(":", 2)[0] if self.process else None

    def but(self, **changes: Any) -> RunRecord:
        return replace(self, **changes)


@dataclass(frozen=True)
class Execution:
    """What the runner reports about one notebook execution."""

    ok: bool
    output_path: str
    wall_s: float
    cpu_s: float = 0.0
    peak_memory_mb: float = 0.0
    cells_executed: int = 0
    failed_cell: int | None = None
    reason: str | None = None
    phases: dict[str, float] = field(default_factory=dict)  # kernel_start, execution, cell:N (seconds)


class MissedPolicy(StrEnum):
    RUN_ONCE = "run-once"
    SKIP = "skip"


@dataclass(frozen=True)
class Schedule:
    name: str
    notebook: str
    cron: str
    tz: str = "UTC"
    parameters: dict[str, Any] = field(default_factory=dict)
    paused: bool = False
    missed: MissedPolicy = MissedPolicy.RUN_ONCE
    allow_overlap: bool = False
    retries: int = 0
    backoff_s: float = 60.0
    timeout_s: float | None = None
    last_due: datetime | None = None  # the latest due time handled (fired or skipped)
    created: datetime | None = None

    def but(self, **changes: Any) -> Schedule:
        return replace(self, **changes)

    def retry_delay(self, attempt: int) -> float:
        """Backoff before attempt number `attempt` (2, 3, ...): doubles each time."""
        return self.backoff_s * 2 ** max(attempt - 2, 0)


@dataclass(frozen=True)
class ExperimentSpec:
    name: str
    notebook: str
    grid: dict[str, list[Any]] = field(default_factory=dict)
    repeats: int = 1
    metric: str | None = None
    fixed: dict[str, Any] = field(default_factory=dict)

    def combinations(self) -> list[dict[str, Any]]:
        names = sorted(self.grid)
        combos = [dict(zip(names, values, strict=True)) for values in itertools.product(*(self.grid[n] for n in names))]
        return [{**self.fixed, **combo} for combo in combos for _ in range(self.repeats)]
