"""A tracker in a child process: a one-shot run imports MLflow (seconds) there, in parallel with the kernel.

The parent sends one JSON request per line ({"method", "args", "kwargs"}) and reads one JSON answer per line.
`python -m hpdp.adapters.tracking.child '<config>'` is the child's side.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, TextIO

from hpdp.adapters import logs
from hpdp.adapters.tracking.mlflow import CREDENTIAL_VARIABLES
from hpdp.application.runs_ports import AbstractTracker
from hpdp.domain.errors import TaskFailedError, UnavailableError


class ChildProcessTracker(AbstractTracker):
    name = "mlflow"

    def __init__(
        self,
        tracking_uri: str,
        artifact_root: Path | None = None,
        ui_url: str | None = None,
        credentials: tuple[str, str] | None = None,
    ) -> None:
        # the password goes through the environment, never the command line (which other users can list);
        # the parent prints the run's link itself
        env = {**os.environ, "MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT": "true"}
        if credentials:
            env.update(zip(CREDENTIAL_VARIABLES, credentials, strict=True))
        config = {
            "tracking_uri": tracking_uri,
            "artifact_root": str(artifact_root or ""),
            "ui_url": ui_url,
            "debug": logs.debugging(),
        }
        self._child = subprocess.Popen(
            [sys.executable, "-m", "hpdp.adapters.tracking.child", json.dumps(config)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        self._lock = threading.Lock()
        self._used = False

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        assert self._child.stdin is not None and self._child.stdout is not None
        with self._lock:
            self._used = True
            self._child.stdin.write(json.dumps({"method": method, "args": args, "kwargs": kwargs}, default=str) + "\n")
            self._child.stdin.flush()
            line = self._child.stdout.readline()
        if not line:
            raise UnavailableError(
                f"The tracking process stopped (exit code {self._child.poll()})", code="tracking_unavailable"
            )
        answer = json.loads(line)
        if "error" in answer:
            raise TaskFailedError(str(answer["error"]), code="tracking_failed")
        return answer["result"]

    def start_run(
        self,
        experiment: str,
        run_name: str,
        *,
        params: dict[str, Any] | None = None,
        tags: dict[str, str] | None = None,
        parent_id: str | None = None,
    ) -> str:
        return self._call("start_run", experiment, run_name, params=params, tags=tags, parent_id=parent_id)

    def log_metrics(self, run_id: str, metrics: dict[str, float], step: int | None = None) -> None:
        self._call("log_metrics", run_id, metrics, step=step)

    def set_tags(self, run_id: str, tags: dict[str, str]) -> None:
        self._call("set_tags", run_id, tags)

    def log_artifact(self, run_id: str, path: Path) -> None:
        self._call("log_artifact", run_id, str(path))

    def end_run(self, run_id: str, status: str) -> None:
        self._call("end_run", run_id, status)

    def get_run(self, run_id: str) -> dict[str, Any]:
        return self._call("get_run", run_id)

    def child_runs(self, experiment: str, parent_id: str | None = None) -> list[dict[str, Any]]:
        return self._call("child_runs", experiment, parent_id)

    def run_url(self, run_id: str) -> str | None:
        return self._call("run_url", run_id)

    def close(self) -> None:
        if self._child.poll() is None:
            assert self._child.stdin is not None
            self._child.stdin.close()
            if not self._used:  # never asked for anything (the run was refused): no need to wait for MLflow
                self._child.terminate()
            self._child.wait(timeout=60)
        if self._child.stdout is not None:
            self._child.stdout.close()


def _answers() -> TextIO:
    """The channel for answers: this process's standard output, which from now on sends whatever else writes
    to it (MLflow prints run links there for a tracking server) to standard error."""
    sys.stdout.flush()
    channel = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    return channel


def _serve(config: dict[str, Any], channel: TextIO) -> None:
    from hpdp.adapters.tracking.mlflow import MLflowTracker

    logs.configure(bool(config.get("debug")))

    root = config.get("artifact_root")
    import mlflow.tracking  # noqa: F401 - the slow part, done while the parent prepares the run

    tracker = MLflowTracker(config["tracking_uri"], Path(root) if root else None, config.get("ui_url"))
    for line in sys.stdin:
        request = json.loads(line)
        args = [Path(a) if request["method"] == "log_artifact" and i == 1 else a for i, a in enumerate(request["args"])]
        try:
            result = getattr(tracker, request["method"])(*args, **request["kwargs"])
            answer = {"result": result}
        except Exception as exc:  # reported to the parent, which records the run's tracking failure
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        channel.write(json.dumps(answer, default=str) + "\n")
        channel.flush()


def _exit_now() -> None:
    """Every request was answered after its write committed; skip the interpreter's teardown of MLflow's
    modules and its exit hooks (close to a second), which the parent would wait for."""
    import logging
    import os

    sys.stdout.flush()
    sys.stderr.flush()
    logging.shutdown()
    os._exit(0)


if __name__ == "__main__":
    _serve(json.loads(sys.argv[1]), _answers())
    _exit_now()
