"""Ports of notebook runs: runner, tracker, queue, run log and notifier."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from hpdp.domain.errors import UnsupportedError
from hpdp.domain.runs import Execution, RunRecord, RunStatus, Schedule


@dataclass(frozen=True)
class RunOptions:
    """What the factories of run adapters read; the composition root fills it from the settings.

    Each registry entry of runners, trackers, queues, run logs and notifiers is called with this object.
    """

    home: Path
    kernel_name: str = "python3"
    pool_size: int = 0  # warm kernels kept by a long-lived process
    queue_url: str | None = None
    queue_name: str = "hpdp"
    queue_workers: int = 2
    tracking_uri: str | None = None
    ui_url: str | None = None
    tracking_user: str | None = None  # MLflow basic auth of a tracking server
    tracking_password: str | None = field(default=None, repr=False)
    tracker_in_child: bool = False  # one run in this process: the tracker loads in a child process meanwhile
    webhook_url: str | None = None
    run_log_url: str | None = None
    run_log_url_setting: str = "HPDP_RUN_LOG_URL"  # where run_log_url came from, for messages


class AbstractRunner(ABC):
    """Executes one notebook with parameters into an output notebook, in a fresh kernel."""

    name: str = ""

    def execute(
        self, notebook: Path, output: Path, parameters: dict[str, Any], *, timeout_s: float | None = None
    ) -> Execution:
        output.parent.mkdir(parents=True, exist_ok=True)
        return self._execute(notebook, output, parameters, timeout_s)

    @abstractmethod
    def _execute(
        self, notebook: Path, output: Path, parameters: dict[str, Any], timeout_s: float | None
    ) -> Execution: ...

    def close(self) -> None:  # noqa: B027 - optional hook
        """Stop any kernels kept ready."""


class AbstractTracker(ABC):
    """Experiment tracking: one tracked run per notebook run."""

    name: str = ""

    @abstractmethod
    def start_run(
        self,
        experiment: str,
        run_name: str,
        *,
        params: dict[str, Any] | None = None,
        tags: dict[str, str] | None = None,
        parent_id: str | None = None,
    ) -> str: ...

    @abstractmethod
    def log_metrics(self, run_id: str, metrics: dict[str, float], step: int | None = None) -> None: ...

    @abstractmethod
    def set_tags(self, run_id: str, tags: dict[str, str]) -> None: ...

    @abstractmethod
    def log_artifact(self, run_id: str, path: Path) -> None: ...

    @abstractmethod
    def end_run(self, run_id: str, status: str) -> None:
        """status: FINISHED or FAILED."""

    @abstractmethod
    def get_run(self, run_id: str) -> dict[str, Any]:
        """{"id", "status", "params", "metrics", "tags", "artifacts": [names]}."""

    @abstractmethod
    def child_runs(self, experiment: str, parent_id: str | None = None) -> list[dict[str, Any]]:
        """Runs of an experiment that have a parent (of `parent_id` when given), as get_run dicts."""

    def run_url(self, run_id: str) -> str | None:
        return None

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections or helper processes."""


class AbstractQueue(ABC):
    """Where runs wait for a worker. A job is a run id; the worker executes the recorded run."""

    name: str = ""
    remote: bool = False  # runs execute in separate worker processes (see `serve`), not in the submitter

    def bind(self, executor: Executor) -> None:  # noqa: B027 - optional hook
        """The function that executes a run (local queues call it; remote workers have their own)."""

    @abstractmethod
    def submit(self, run_id: str) -> None: ...

    def serve(self, executor: Executor, *, burst: bool = False, name: str | None = None) -> None:
        """Execute queued runs in this process until stopped (queues served by separate worker processes)."""
        raise UnsupportedError(
            f"The {self.name} queue runs its runs inside the submitting process; it has no workers.",
            code="queue_no_workers",
        )

    def describe(self) -> str:
        """Where the queue lives, for messages (no secrets)."""
        return self.name

    def wait(self, run_ids: list[str], timeout_s: float | None = None) -> None:  # noqa: B027
        """Block until these runs are done, where the queue can tell (local queues); others return at once."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Finish queued work and release resources."""


class AbstractRunLog(ABC):
    """Durable run records and schedules, safe for several processes."""

    @abstractmethod
    def add(self, record: RunRecord) -> None: ...

    @abstractmethod
    def get(self, run_id: str) -> RunRecord: ...

    @abstractmethod
    def update(self, run_id: str, **changes: Any) -> RunRecord: ...

    @abstractmethod
    def update_if(self, run_id: str, expected: RunStatus, **changes: Any) -> RunRecord | None:
        """Apply the changes only if the run still has the expected status; None if it had not."""

    @abstractmethod
    def claim(self, run_id: str, worker: str, now: datetime, process: str | None = None) -> RunRecord | None:
        """Move a QUEUED run to RUNNING for this worker; None if someone else took it or it is not queued."""

    @abstractmethod
    def list(
        self, *, status: RunStatus | None = None, schedule: str | None = None, limit: int = 100
    ) -> list[RunRecord]: ...

    @abstractmethod
    def add_schedule(self, schedule: Schedule) -> None: ...

    @abstractmethod
    def get_schedule(self, name: str) -> Schedule: ...

    @abstractmethod
    def update_schedule(self, name: str, **changes: Any) -> Schedule: ...

    @abstractmethod
    def remove_schedule(self, name: str) -> None: ...

    @abstractmethod
    def schedules(self) -> list[Schedule]: ...

    @abstractmethod
    def claim_due(self, schedule: str, due: datetime) -> bool:
        """Record `due` as the schedule's latest handled due time if the recorded one is earlier and the schedule
        is not paused, in one atomic step: True for exactly one caller per (schedule, due time), across processes
        and hosts. Only the caller that gets True fires (or skips) that due time."""

    def close(self) -> None:  # noqa: B027 - optional hook
        pass


class AbstractNotifier(ABC):
    @abstractmethod
    def notify(self, event: str, payload: dict[str, Any]) -> None: ...


Executor = Callable[[str], None]
