"""`hpdp run`, `runs`, `schedule`, `scheduler`, `worker` and `experiment`, as a user runs them."""

from __future__ import annotations

import json
import shutil
import signal
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from hpdp.adapters.tracking.mlflow import MLflowTracker
from hpdp.domain.runs import RunStatus
from hpdp.infrastructure.resources import examples_dir
from tests.e2e.runs_cli import env_for, hpdp, redis_settings, runs, start, stop, wait_for
from tests.notebook_factory import write_notebook

pytestmark = pytest.mark.slow

CELLS = (
    "import time, hpdp\nhpdp.log_metric('threshold_seen', threshold)",
    "if mode == 'raise':\n    raise RuntimeError('bad threshold')\nif mode == 'sleep':\n    time.sleep(120)",
    "print('done', threshold)",
)


@pytest.fixture
def nb(tmp_path: Path) -> Path:
    return write_notebook(tmp_path / "job.ipynb", 'threshold = 0.5\nmode = "ok"\n', *CELLS)


def tracker(home: Path) -> MLflowTracker:
    return MLflowTracker(f"sqlite:///{home / 'mlflow.db'}", home / "mlruns")


def assert_tracked(home: Path, run_id: str, status: str = "FINISHED") -> dict:
    [record] = [r for r in runs(home, limit=1000) if r.id == run_id]
    tracked = tracker(home).get_run(record.tracking_id)
    assert tracked["status"] == status
    assert {"wall_time_s", "cpu_time_s", "peak_memory_mb", "cells_executed", "threshold_seen"} <= set(
        tracked["metrics"]
    )
    assert tracked["artifacts"] == [Path(record.output_path).name]
    assert Path(record.output_path).is_file()
    return tracked


def test_hpdp_run_runs_tracks_and_lists_a_notebook(workspace: Path, nb: Path) -> None:
    env = env_for(workspace)
    writer = write_notebook(
        nb.parent / "writer.ipynb",
        "rows = 3\n",
        "import hpdp\nhp = hpdp.open()\nhp.write('numbers', {'n': list(range(rows))}, mode='replace')\nhp.close()",
    )
    result = hpdp(env, "run", str(writer), "-p", "rows", "5")
    assert result.returncode == 0, result.stderr
    assert "finished" in result.stdout and "output notebook:" in result.stdout
    [record] = runs(workspace)
    tags = tracker(workspace).get_run(record.tracking_id)["tags"]
    assert int(tags["hpdp.snapshot_after"]) > int(tags["hpdp.snapshot_before"] or -1)  # the notebook wrote

    listing = hpdp(env, "runs")
    assert record.id[:10] in listing.stdout and "finished" in listing.stdout


def test_hpdp_run_reports_a_failure_and_keeps_the_output(workspace: Path, nb: Path) -> None:
    env = env_for(workspace, db_engine="memory")
    result = hpdp(env, "run", str(nb), "-p", "mode", "raise", "-p", "threshold", "0.9")
    assert result.returncode == 1
    assert "Error: Run" in result.stderr and "RuntimeError: bad threshold" in result.stderr
    [record] = runs(workspace)
    assert record.status is RunStatus.FAILED
    assert_tracked(workspace, record.id, "FAILED")
    assert "failed" in hpdp(env, "runs", "--status", "failed").stdout


def test_bad_parameters_stop_before_any_kernel_or_record(workspace: Path, nb: Path) -> None:
    env = env_for(workspace, db_engine="memory")
    for args, message in (
        (["-p", "treshold", "1"], "has no parameter 'treshold'; its parameters are: mode, threshold."),
        (["-p", "threshold", "high"], "Parameter 'threshold' of job.ipynb takes a float"),
        (["-p", "threshold"], "needs a name and a value"),
    ):
        result = hpdp(env, "run", str(nb), *args)
        assert result.returncode == 1 and message in result.stderr, result.stderr
    assert runs(workspace) == []
    assert not (workspace / "mlflow.db").exists()


def test_a_schedule_fires_under_the_scheduler_through_the_thread_queue(workspace: Path, nb: Path) -> None:
    env = env_for(workspace, db_engine="memory")
    added = hpdp(
        env,
        "schedule",
        "add",
        "often",
        "--notebook",
        str(nb),
        "--cron",
        "* * * * * */3",
        "-p",
        "threshold",
        "0.25",
    )
    assert added.returncode == 0, added.stderr
    assert "often" in hpdp(env, "schedule", "list").stdout
    scheduler = start(env, "scheduler", "--poll", "0.5", log=workspace / "scheduler.log")
    try:
        done = wait_for(lambda: runs(workspace, schedule="often", status=RunStatus.FINISHED), timeout=180)
    finally:
        stop(scheduler)
    tracked = assert_tracked(workspace, done[-1].id)
    assert tracked["params"] == {"threshold": "0.25"} and tracked["tags"]["hpdp.schedule"] == "often"
    assert hpdp(env, "schedule", "pause", "often").returncode == 0
    assert "paused" in hpdp(env, "schedule", "list").stdout
    assert hpdp(env, "schedule", "remove", "often").returncode == 0
    assert "No schedules" in hpdp(env, "schedule", "list").stdout


def test_two_schedulers_fire_each_due_time_once(workspace: Path, nb: Path) -> None:
    env = env_for(workspace, db_engine="memory", tracker="memory")
    assert (
        hpdp(env, "schedule", "add", "twice", "--notebook", str(nb), "--cron", "* * * * * */2", "--overlap").returncode
        == 0
    )
    a = start(env, "scheduler", "--poll", "0.3", "--pool", "0", log=workspace / "a.log")
    b = start(env, "scheduler", "--poll", "0.3", "--pool", "0", log=workspace / "b.log")
    try:
        wait_for(lambda: len(runs(workspace, schedule="twice")) >= 4, timeout=180)
    finally:
        stop(a)
        stop(b)
    fired = runs(workspace, schedule="twice", limit=1000)
    with sqlite3.connect(workspace / "runs.sqlite") as con:
        firings = con.execute("SELECT count(*) FROM firings WHERE schedule = 'twice'").fetchone()[0]
    assert len(fired) == firings  # one run per due time, whichever scheduler claimed it


@pytest.fixture
def redis_env(workspace: Path, nb: Path) -> Iterator[dict[str, str]]:
    yield env_for(workspace, db_engine="memory", **redis_settings())


def test_a_schedule_fires_through_redis_into_a_worker(workspace: Path, nb: Path, redis_env: dict[str, str]) -> None:
    assert (
        hpdp(redis_env, "schedule", "add", "viaredis", "--notebook", str(nb), "--cron", "* * * * * */3").returncode == 0
    )
    worker = start(redis_env, "worker", "--pool", "1", "--name", "w-e2e", log=workspace / "worker.log")
    scheduler = start(redis_env, "scheduler", "--poll", "0.5", log=workspace / "scheduler.log")
    try:
        done = wait_for(lambda: runs(workspace, schedule="viaredis", status=RunStatus.FINISHED), timeout=180)
    finally:
        stop(scheduler)
        stop(worker)
    assert done[-1].queue == "redis" and done[-1].worker == "w-e2e"
    assert assert_tracked(workspace, done[-1].id)["tags"]["hpdp.queue"] == "redis"


def test_a_worker_killed_mid_run_leaves_a_failed_run_and_others_still_run(
    workspace: Path, nb: Path, redis_env: dict[str, str]
) -> None:
    first = start(redis_env, "worker", "--pool", "1", "--name", "doomed", log=workspace / "w1.log")
    try:
        queued = hpdp(redis_env, "run", str(nb), "--queue", "-p", "mode", "sleep")
        assert queued.returncode == 0, queued.stderr
        [record] = wait_for(lambda: runs(workspace, status=RunStatus.RUNNING), timeout=120)
        wait_for(lambda: runs(workspace)[0].tracking_id, timeout=120)  # the tracked run is open: mid-run
        wait_for(
            lambda: Path(record.output_path or workspace / "runs" / record.id / "job.ipynb").is_file(),
            timeout=60,
        )
    finally:
        stop(first, signal.SIGKILL)
    second = start(redis_env, "worker", "--pool", "1", "--name", "survivor", log=workspace / "w2.log")
    try:
        [failed] = wait_for(lambda: runs(workspace, status=RunStatus.FAILED), timeout=120)
        assert failed.id == record.id and "worker doomed stopped during the run" in failed.reason
        # the run is closed in MLflow too (opened there if the worker died before it could)
        [closed] = wait_for(lambda: [r for r in runs(workspace) if r.id == record.id and r.tracking_id], timeout=60)
        wait_for(lambda: tracker(workspace).get_run(closed.tracking_id)["status"] == "FAILED", timeout=60)
        assert hpdp(redis_env, "run", str(nb), "--queue").returncode == 0
        wait_for(lambda: runs(workspace, status=RunStatus.FINISHED), timeout=120)
    finally:
        stop(second)
    assert not runs(workspace, status=RunStatus.RUNNING)


def test_an_experiment_runs_its_grid_as_child_runs_and_compares(workspace: Path, tmp_path: Path) -> None:
    shutil.copy(examples_dir() / "notebooks" / "processor_engines.ipynb", tmp_path / "processor_engines.ipynb")
    spec = tmp_path / "engines.yaml"
    spec.write_text(
        "name: engines_small\nnotebook: processor_engines.ipynb\ngrid:\n  engine: [polars, pandas]\n"
        "parameters:\n  rows: 20000\nrepeats: 2\nmetric: task_seconds\n"
    )
    env = env_for(workspace)
    result = hpdp(env, "experiment", "run", str(spec), timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 finished, 0 failed" in result.stdout
    children = tracker(workspace).child_runs("engines_small")
    assert len(children) == 4 and len({c["parent_id"] for c in children}) == 1
    assert sorted(c["params"]["engine"] for c in children) == ["pandas", "pandas", "polars", "polars"]
    compared = hpdp(env, "experiment", "compare", "engines_small", "--metric", "task_seconds")
    assert (
        compared.returncode == 0 and '"engine": "polars"' in compared.stdout and '"engine": "pandas"' in compared.stdout
    )
    missing = hpdp(env, "experiment", "compare", "engines_small", "--metric", "nope")
    assert missing.returncode == 1 and "has metric 'nope'; its metrics are:" in missing.stderr
    ledger = "SELECT parameters->>'engine' AS engine FROM hpdp_meta.executions WHERE kind = 'experiment_child'"
    recorded = hpdp(env, "sql", ledger + " ORDER BY 1", "--format", "csv")
    assert recorded.stdout.split() == ["engine", "pandas", "pandas", "polars", "polars"]  # each child in the ledger


def test_hpdp_run_predicts_its_duration_once_it_has_three_earlier_runs(workspace: Path, tmp_path: Path) -> None:
    env = env_for(workspace, tracker="memory")
    job = write_notebook(tmp_path / "steady.ipynb", "n = 1\n", "total = sum(range(n))")
    outputs = []
    for _ in range(4):
        done = hpdp(env, "run", str(job), "-p", "n", "3")
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout)
    assert outputs[0].splitlines()[0] == "Predicted duration: no estimate yet: fewer than 3 earlier runs (0 so far)"
    assert "fewer than 3 earlier runs (2 so far)" in outputs[2]
    first = outputs[3].splitlines()[0]
    assert first.startswith("Predicted duration: ") and "80% interval" in first and "3 earlier runs" in first
    assert outputs[3].index("Predicted duration") < outputs[3].index("finished")  # shown before the run

    other = hpdp(env, "run", str(job), "-p", "n", "4")  # other parameters: not the same task's history
    assert "no estimate yet" in other.stdout

    query = "SELECT run_id, estimate_s, low_s, high_s, actual_s FROM hpdp_meta.predictions"
    kept = hpdp(env, "sql", query, "-f", "json")
    [row] = json.loads(kept.stdout)
    [last] = [r for r in runs(workspace, limit=100) if r.id == row["run_id"]]
    assert row["low_s"] <= row["estimate_s"] <= row["high_s"] and row["actual_s"] == pytest.approx(last.duration_s)
