"""In-memory fakes of the run ports, for unit tests and for notebook users who want no side effects."""

from __future__ import annotations

import itertools
import threading
from pathlib import Path
from typing import Any

from hpdp.application.runs_ports import (
    AbstractNotifier,
    AbstractQueue,
    AbstractRunner,
    AbstractTracker,
    Executor,
)
from hpdp.domain.runs import Execution


class FakeTracker(AbstractTracker):
    name = "memory"

    def __init__(self) -> None:
        self.runs: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def start_run(
        self,
        experiment: str,
        run_name: str,
        *,
        params: dict[str, Any] | None = None,
        tags: dict[str, str] | None = None,
        parent_id: str | None = None,
    ) -> str:
        with self._lock:
            run_id = f"run{next(self._ids)}"
            self.runs[run_id] = {
                "id": run_id,
                "name": run_name,
                "experiment": experiment,
                "status": "RUNNING",
                "params": {k: str(v) for k, v in (params or {}).items()},
                "metrics": {},
                "history": [],
                "tags": dict(tags or {}),
                "artifacts": [],
                "parent_id": parent_id,
            }
        return run_id

    def log_metrics(self, run_id: str, metrics: dict[str, float], step: int | None = None) -> None:
        run = self.runs[run_id]
        for key, value in metrics.items():
            run["metrics"][key] = float(value)
            run["history"].append((key, float(value), step or 0))

    def set_tags(self, run_id: str, tags: dict[str, str]) -> None:
        self.runs[run_id]["tags"].update(tags)

    def log_artifact(self, run_id: str, path: Path) -> None:
        self.runs[run_id]["artifacts"].append(Path(path).name)

    def end_run(self, run_id: str, status: str) -> None:
        self.runs[run_id]["status"] = status

    def get_run(self, run_id: str) -> dict[str, Any]:
        return self.runs[run_id]

    def child_runs(self, experiment: str, parent_id: str | None = None) -> list[dict[str, Any]]:
        return [
            r
            for r in self.runs.values()
            if r["experiment"] == experiment and r["parent_id"] and (parent_id is None or r["parent_id"] == parent_id)
        ]


class InlineQueue(AbstractQueue):
    """Executes each run at once in the submitting thread."""

    name = "inline"

    def __init__(self) -> None:
        self.executor: Executor | None = None
        self.submitted: list[str] = []

    def bind(self, executor: Executor) -> None:
        self.executor = executor

    def submit(self, run_id: str) -> None:
        self.submitted.append(run_id)
        if self.executor is not None:
            self.executor(run_id)


class FakeRunner(AbstractRunner):
    """Pretends to execute: copies the notebook; a parameter `fail` set to a message makes the run fail."""

    name = "fake"

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def _execute(self, notebook: Path, output: Path, parameters: dict[str, Any], timeout_s: float | None) -> Execution:
        self.calls.append(dict(parameters))
        output.write_bytes(notebook.read_bytes())
        message = parameters.get("fail")
        if message:
            return Execution(
                False, str(output), 0.01, cells_executed=1, failed_cell=2, reason=f"RuntimeError: {message}"
            )
        return Execution(True, str(output), 0.01, cpu_s=0.005, peak_memory_mb=50.0, cells_executed=2)


class RecordingNotifier(AbstractNotifier):
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def notify(self, event: str, payload: dict[str, Any]) -> None:
        self.sent.append((event, payload))
