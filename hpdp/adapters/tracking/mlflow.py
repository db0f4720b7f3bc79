"""The tracking port on MLflow (a client per tracker, no fluent global run); MLflow is imported lazily."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hpdp.adapters import logs
from hpdp.application.runs_ports import AbstractTracker

PARENT_TAG = "mlflow.parentRunId"
CREDENTIAL_VARIABLES = ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD")


@contextmanager
def _creation_lock(uri: str) -> Iterator[None]:
    """MLflow creates a new SQLite store's tables on first use; two processes doing it at once collide."""
    if not uri.startswith("sqlite:///"):
        yield
        return
    from filelock import FileLock

    lock = Path(uri.removeprefix("sqlite:///") + ".lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(lock):
        yield


def _create_sqlite_store(uri: str) -> None:
    """Create a new SQLite store aside, then move it into place: a killed process leaves no half store."""
    if not uri.startswith("sqlite:///"):
        return
    path = Path(uri.removeprefix("sqlite:///"))
    if path.exists():
        return
    from mlflow.tracking import MlflowClient

    aside = path.with_name(f".{path.name}.creating-{os.getpid()}")
    aside.unlink(missing_ok=True)
    MlflowClient(tracking_uri=f"sqlite:///{aside}")  # creates and migrates the tables
    os.replace(aside, path)


class MLflowTracker(AbstractTracker):
    name = "mlflow"

    def __init__(
        self,
        tracking_uri: str,
        artifact_root: Path | None = None,
        ui_url: str | None = None,
        credentials: tuple[str, str] | None = None,
    ) -> None:
        self.tracking_uri = tracking_uri
        self.artifact_root = artifact_root
        self.ui_url = ui_url
        self._credentials = credentials
        self._client: Any = None
        self._experiments: dict[str, str] = {}
        self._lock = threading.Lock()

    @property
    def client(self) -> Any:
        with self._lock:
            if self._client is None:
                from mlflow.tracking import MlflowClient

                logs.adopt(*logs.MLFLOW_LOGGERS)
                if self._credentials:
                    # MLflow's REST client reads basic-auth credentials from the environment only
                    os.environ.update(zip(CREDENTIAL_VARIABLES, self._credentials, strict=True))
                with _creation_lock(self.tracking_uri):
                    _create_sqlite_store(self.tracking_uri)
                    self._client = MlflowClient(tracking_uri=self.tracking_uri)
            return self._client

    def experiment_id(self, name: str, create: bool = True) -> str | None:
        if name in self._experiments:
            return self._experiments[name]
        found = self.client.get_experiment_by_name(name)
        if found is not None:
            exp_id = found.experiment_id
        elif not create:
            return None
        else:
            location = (self.artifact_root / name).as_uri() if self.artifact_root else None
            try:
                exp_id = self.client.create_experiment(name, artifact_location=location)
            except Exception:  # created meanwhile by another process
                exp_id = self.client.get_experiment_by_name(name).experiment_id
        self._experiments[name] = exp_id
        return exp_id

    def start_run(
        self,
        experiment: str,
        run_name: str,
        *,
        params: dict[str, Any] | None = None,
        tags: dict[str, str] | None = None,
        parent_id: str | None = None,
    ) -> str:
        from mlflow.entities import Param

        all_tags = dict(tags or {})
        if parent_id:
            all_tags[PARENT_TAG] = parent_id
        run = self.client.create_run(self.experiment_id(experiment), run_name=run_name, tags=all_tags)
        run_id = run.info.run_id
        if params:
            self.client.log_batch(run_id, params=[Param(k, str(v)[:6000]) for k, v in params.items()])
        return run_id

    def log_metrics(self, run_id: str, metrics: dict[str, float], step: int | None = None) -> None:
        import time

        from mlflow.entities import Metric

        now = int(time.time() * 1000)
        batch = [Metric(k, float(v), now, step or 0) for k, v in metrics.items()]
        self.client.log_batch(run_id, metrics=batch)

    def set_tags(self, run_id: str, tags: dict[str, str]) -> None:
        from mlflow.entities import RunTag

        self.client.log_batch(run_id, tags=[RunTag(k, str(v)) for k, v in tags.items()])

    def log_artifact(self, run_id: str, path: Path) -> None:
        self.client.log_artifact(run_id, str(path))

    def end_run(self, run_id: str, status: str) -> None:
        self.client.set_terminated(run_id, status=status)

    def get_run(self, run_id: str) -> dict[str, Any]:
        run = self.client.get_run(run_id)
        return self._as_dict(run, artifacts=True)

    def _as_dict(self, run: Any, artifacts: bool = False) -> dict[str, Any]:
        names = [a.path for a in self.client.list_artifacts(run.info.run_id)] if artifacts else []
        return {
            "id": run.info.run_id,
            "name": run.info.run_name,
            "status": run.info.status,
            "params": dict(run.data.params),
            "metrics": dict(run.data.metrics),
            "tags": dict(run.data.tags),
            "artifacts": names,
            "parent_id": run.data.tags.get(PARENT_TAG),
        }

    def child_runs(self, experiment: str, parent_id: str | None = None) -> list[dict[str, Any]]:
        exp_id = self.experiment_id(experiment, create=False)
        if exp_id is None:
            return []
        query = f"tags.`{PARENT_TAG}` = '{parent_id}'" if parent_id else ""
        runs = self.client.search_runs([exp_id], filter_string=query, max_results=5000)
        return [d for d in (self._as_dict(r) for r in runs) if d["parent_id"]]

    def run_url(self, run_id: str) -> str | None:
        if self.ui_url:
            run = self.client.get_run(run_id)
            return f"{self.ui_url.rstrip('/')}/#/experiments/{run.info.experiment_id}/runs/{run_id}"
        return f"runs:/{run_id}"
