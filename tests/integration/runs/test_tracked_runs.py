"""Runs through the real composition root: papermill, a real kernel, MLflow on SQLite in the workspace."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from hpdp.application.runs import RunService
from hpdp.domain.errors import TaskFailedError
from hpdp.domain.runs import RunRequest, RunStatus, Schedule
from hpdp.infrastructure.container import Container
from hpdp.infrastructure.settings import load_settings
from tests.notebook_factory import write_notebook

pytestmark = pytest.mark.slow

LOGGING = (
    "import hpdp\nfor i in range(3):\n    hpdp.log_metric('score', 0.5 + i / 10)\nprint('scored', threshold)",
    "if fail:\n    raise RuntimeError('threshold too low')",
)


@pytest.fixture
def nb(tmp_path: Path) -> Path:
    return write_notebook(tmp_path / "scored.ipynb", "threshold = 0.5\nfail = False\n", *LOGGING)


@pytest.fixture
def service(workspace: Path) -> Iterator[RunService]:
    with Container(load_settings(home=workspace, db_engine="memory")) as c:
        yield c.runs()


def test_every_run_is_an_mlflow_run_with_metrics_tags_and_output(
    service: RunService, nb: Path, workspace: Path
) -> None:
    record = service.run(RunRequest(str(nb), {"threshold": 0.7}, experiment="scoring"))
    assert record.status is RunStatus.FINISHED, record.reason
    assert (workspace / "mlflow.db").is_file()
    tracked = service.tracker.get_run(record.tracking_id)
    assert tracked["status"] == "FINISHED"
    assert tracked["params"] == {"threshold": "0.7"}
    assert tracked["metrics"]["score"] == pytest.approx(0.7)  # the last of three steps logged by the notebook
    for name in ("wall_time_s", "cpu_time_s", "peak_memory_mb"):
        assert tracked["metrics"][name] > 0
    assert tracked["metrics"]["cells_executed"] == 4
    assert tracked["tags"]["hpdp.run_id"] == record.id and tracked["tags"]["hpdp.notebook"] == str(nb)
    assert tracked["tags"]["hpdp.version"] == "0.1.0" and tracked["tags"]["hpdp.queue"] == "thread"
    assert tracked["artifacts"] == ["scored.ipynb"]
    assert list((workspace / "mlruns").rglob("scored.ipynb"))  # artifacts stay in the workspace
    client = service.tracker.client
    assert [m.value for m in client.get_metric_history(record.tracking_id, "score")] == pytest.approx([0.5, 0.6, 0.7])


def test_a_failed_run_is_failed_in_mlflow_with_the_failing_cell_and_output(service: RunService, nb: Path) -> None:
    record = service.run(RunRequest(str(nb), {"fail": True}))
    assert record.status is RunStatus.FAILED and record.reason == "RuntimeError: threshold too low"
    tracked = service.tracker.get_run(record.tracking_id)
    assert tracked["status"] == "FAILED"
    assert tracked["metrics"]["failed_cell"] == 3
    assert tracked["tags"]["hpdp.failure"] == "RuntimeError: threshold too low"
    assert tracked["artifacts"] == ["scored.ipynb"]
    assert "raise RuntimeError" in Path(record.output_path).read_text()


class _Hook(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict]]]:
    _Hook.received = []
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", _Hook.received
    server.shutdown()
    server.server_close()
    thread.join()


def test_the_final_failure_of_a_scheduled_run_is_posted_to_the_webhook(
    workspace: Path, nb: Path, webhook: tuple[str, list[dict]]
) -> None:
    url, received = webhook
    settings = load_settings(home=workspace, db_engine="memory", tracker="memory", webhook_url=url)
    with Container(settings) as c:
        c.schedules().add(Schedule(name="nightly", notebook=str(nb), cron="0 3 * * *"))
        service = c.runs()
        record = service.run(RunRequest(str(nb), {"fail": True}, schedule="nightly"))
    assert record.status is RunStatus.FAILED
    [notice] = received
    assert notice["event"] == "run.failed" and notice["schedule"] == "nightly" and notice["run_id"] == record.id
    assert notice["reason"] == "RuntimeError: threshold too low" and notice["output_notebook"] == record.output_path


def test_the_child_process_tracker_logs_to_mlflow_and_reports_errors(workspace: Path) -> None:
    from hpdp.adapters.tracking.child import ChildProcessTracker
    from hpdp.adapters.tracking.mlflow import MLflowTracker

    uri = f"sqlite:///{workspace / 'mlflow.db'}"
    child = ChildProcessTracker(uri, workspace / "mlruns")
    try:
        run_id = child.start_run("child", "one", params={"a": 1}, tags={"k": "v"})
        child.log_metrics(run_id, {"m": 2.5})
        child.end_run(run_id, "FINISHED")
        with pytest.raises(TaskFailedError, match="MlflowException"):
            child.get_run("no-such-run")
    finally:
        child.close()
    seen = MLflowTracker(uri).get_run(run_id)
    assert seen["params"] == {"a": "1"} and seen["metrics"] == {"m": 2.5} and seen["status"] == "FINISHED"


def test_hp_run_notebook_runs_from_python(workspace: Path, nb: Path) -> None:
    import hpdp

    with hpdp.open(home=workspace, db_engine="memory", tracker="memory") as hp:
        record = hp.run_notebook(nb, {"threshold": 0.9})
        queued = hp.run_notebook(nb, {"threshold": 0.1}, queue=True)
        assert record.status is RunStatus.FINISHED and "scored 0.9" in Path(record.output_path).read_text()
        assert queued.status is RunStatus.QUEUED
    # closing the workbench waits for the queued run
    from tests.e2e.runs_cli import runs

    assert {r.status for r in runs(workspace)} == {RunStatus.FINISHED}
