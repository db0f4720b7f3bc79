"""A tracker: every tracked run as one JSON object per line in `<workspace>/tracking.jsonl`.

Group `hpdp.trackers`; the entry point names a factory called with `RunOptions`. Select it with
`HPDP_TRACKER=jsonl`. The file is rewritten on each change, which suits a few thousand runs.
"""

from __future__ import annotations

import json
import threading
import uuid
from pathlib import Path
from typing import Any

from hpdp.application.runs_ports import AbstractTracker, RunOptions
from hpdp.domain.errors import NotFoundError


class JsonLinesTracker(AbstractTracker):
    name = "jsonl"

    def __init__(self, path: Path) -> None:
        self.path = path
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
        run = {
            "id": uuid.uuid4().hex,
            "experiment": experiment,
            "name": run_name,
            "status": "RUNNING",
            "params": {k: str(v) for k, v in (params or {}).items()},
            "metrics": {},
            "tags": dict(tags or {}),
            "artifacts": [],
            "parent_id": parent_id,
        }
        with self._lock:
            runs = self._read()
            runs[run["id"]] = run
            self._write(runs)
        return run["id"]

    def log_metrics(self, run_id: str, metrics: dict[str, float], step: int | None = None) -> None:
        self._change(run_id, lambda run: run["metrics"].update(metrics))

    def set_tags(self, run_id: str, tags: dict[str, str]) -> None:
        self._change(run_id, lambda run: run["tags"].update(tags))

    def log_artifact(self, run_id: str, path: Path) -> None:
        self._change(run_id, lambda run: run["artifacts"].append(Path(path).name))

    def end_run(self, run_id: str, status: str) -> None:
        self._change(run_id, lambda run: run.update(status=status))

    def get_run(self, run_id: str) -> dict[str, Any]:
        with self._lock:
            runs = self._read()
        if run_id not in runs:
            raise NotFoundError(f"No tracked run {run_id} in {self.path}.")
        return runs[run_id]

    def child_runs(self, experiment: str, parent_id: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            runs = self._read().values()
        return [
            r for r in runs if r["experiment"] == experiment and r["parent_id"] and parent_id in (None, r["parent_id"])
        ]

    def _change(self, run_id: str, change: Any) -> None:
        with self._lock:
            runs = self._read()
            if run_id not in runs:
                raise NotFoundError(f"No tracked run {run_id} in {self.path}.")
            change(runs[run_id])
            self._write(runs)

    def _read(self) -> dict[str, dict[str, Any]]:
        if not self.path.exists():
            return {}
        lines = self.path.read_text(encoding="utf-8").splitlines()
        return {run["id"]: run for run in map(json.loads, filter(None, lines))}

    def _write(self, runs: dict[str, dict[str, Any]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text("".join(json.dumps(r) + "\n" for r in runs.values()), encoding="utf-8")
        temporary.replace(self.path)  # readers never see half a file


def jsonl_tracker(options: RunOptions) -> AbstractTracker:
    return JsonLinesTracker(options.home / "tracking.jsonl")
