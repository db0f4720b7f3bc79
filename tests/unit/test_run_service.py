from __future__ import annotations

from pathlib import Path

import pytest

from hpdp.domain.runs import ParameterError, RunRequest, RunStatus
from tests.notebook_factory import SMALL, write_notebook
from tests.unit.runs_fixtures import harness


@pytest.fixture
def nb(tmp_path: Path) -> Path:
    return write_notebook(tmp_path / "nb.ipynb", SMALL[0] + 'fail = ""\n', SMALL[1])


def test_a_run_is_recorded_tracked_and_finished(tmp_path: Path, nb: Path) -> None:
    h = harness(tmp_path)
    record = h.service.run(RunRequest(str(nb), {"x": "3"}), from_text=True)
    assert record.status is RunStatus.FINISHED
    assert h.runner.calls[0]["x"] == 3
    assert h.runner.calls[0]["hpdp_run_id"] == record.id
    assert Path(record.output_path).is_file() and Path(record.output_path).parent.name == record.id
    tracked = h.tracker.get_run(record.tracking_id)
    assert tracked["status"] == "FINISHED"
    assert tracked["params"] == {"x": "3"}
    assert tracked["tags"]["hpdp.snapshot_before"] == "7" and tracked["tags"]["hpdp.snapshot_after"] == "7"
    assert tracked["tags"]["hpdp.version"] == "9.9" and tracked["tags"]["hpdp.queue"] == "inline"
    assert {"wall_time_s", "cpu_time_s", "peak_memory_mb", "cells_executed"} <= set(tracked["metrics"])
    assert tracked["artifacts"] == ["nb.ipynb"]


def test_bad_parameters_record_nothing_and_run_nothing(tmp_path: Path, nb: Path) -> None:
    h = harness(tmp_path)
    with pytest.raises(ParameterError):
        h.service.run(RunRequest(str(nb), {"x": "seven"}), from_text=True)
    assert h.runner.calls == [] and h.tracker.runs == {} and h.service.ctx.log.list() == []


def test_a_failed_run_keeps_reason_failing_cell_and_output(tmp_path: Path, nb: Path) -> None:
    h = harness(tmp_path)
    record = h.service.run(RunRequest(str(nb), {"fail": "boom"}))
    assert record.status is RunStatus.FAILED
    assert record.reason == "RuntimeError: boom"
    tracked = h.tracker.get_run(record.tracking_id)
    assert tracked["status"] == "FAILED" and tracked["metrics"]["failed_cell"] == 2.0
    assert tracked["artifacts"] == ["nb.ipynb"]


def test_metrics_logged_by_the_notebook_reach_its_tracked_run(tmp_path: Path, nb: Path) -> None:
    from hpdp.application.metrics import log_metric

    h = harness(tmp_path)

    def runner_that_logs(*args: object, **kwargs: object) -> object:
        params = args[2]
        assert log_metric("accuracy", 0.5, run_dir=params["hpdp_run_dir"])
        log_metric("accuracy", 0.75, run_dir=params["hpdp_run_dir"])
        return original(*args, **kwargs)

    original = h.runner._execute
    h.runner._execute = runner_that_logs  # type: ignore[method-assign]
    record = h.service.run(RunRequest(str(nb)))
    tracked = h.tracker.get_run(record.tracking_id)
    assert tracked["metrics"]["accuracy"] == 0.75
    assert [(k, v, s) for k, v, s in tracked["history"] if k == "accuracy"] == [
        ("accuracy", 0.5, 0),
        ("accuracy", 0.75, 1),
    ]


def test_log_metric_outside_a_run_records_nothing_and_rejects_non_numbers() -> None:
    from hpdp import log_metric
    from hpdp.domain.runs import RunError

    assert log_metric("x", 1.0) is False
    with pytest.raises(RunError, match="must be a number"):
        log_metric("x", "high")


def test_a_run_whose_worker_stopped_sending_heartbeats_ends_failed(tmp_path: Path, nb: Path) -> None:
    h = harness(tmp_path)
    record = h.service.prepare(RunRequest(str(nb)))
    h.service.ctx.log.claim(record.id, "gone-worker", h.clock())
    h.clock.advance(30)
    assert h.service.reap_stale() == []
    h.clock.advance(60)
    [reaped] = h.service.reap_stale()
    assert reaped.status is RunStatus.FAILED
    assert "worker gone-worker stopped during the run" in reaped.reason
    assert h.service.ctx.log.get(record.id).status is RunStatus.FAILED


def test_a_run_whose_worker_process_ended_fails_at_once_whatever_its_heartbeat(tmp_path: Path, nb: Path) -> None:
    h = harness(tmp_path)
    ended, running = (h.service.prepare(RunRequest(str(nb))) for _ in range(2))
    h.service.ctx.log.claim(ended.id, "killed", h.clock(), "host:1:1.0")
    h.service.ctx.log.claim(running.id, "busy", h.clock(), "host:2:2.0")
    h.service.ctx.alive = lambda process: process == "host:2:2.0"
    [reaped] = h.service.reap_stale()  # no time has passed: the heartbeats are fresh
    assert reaped.id == ended.id and "worker killed stopped during the run (its process ended)" in reaped.reason
    assert h.service.ctx.log.get(running.id).status is RunStatus.RUNNING
    assert h.service.ctx.log.get(running.id).process == "host:2:2.0"


def test_a_run_is_claimed_by_one_worker_only(tmp_path: Path, nb: Path) -> None:
    h = harness(tmp_path)
    record = h.service.prepare(RunRequest(str(nb)))
    assert h.service.ctx.log.claim(record.id, "a", h.clock()) is not None
    assert h.service.ctx.log.claim(record.id, "b", h.clock()) is None
    h.service.execute(record.id)  # already running elsewhere: nothing happens
    assert h.runner.calls == []
