"""The platform on three hosts (network namespaces made by the test). Host A runs PostgreSQL, Redis, an S3 store,
the MLflow server, a scheduler and `hpdp serve`; hosts B and C run workers, and B a second scheduler. A grid
spreads over B and C; host C dies (every process on it gets SIGKILL) in the middle of a run; the grid completes
on B. A schedule fires once per due time with a scheduler on each of two hosts."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import secrets
import sys
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import IN_CI
from tests.host_servers import Engines, start_engines
from tests.hosts import Host, Network, unavailable, wait_until
from tests.notebook_factory import write_notebook

pytestmark = pytest.mark.slow

GRID = 12
ROWS = 500
STALE_S = 10  # a worker silent this long has stopped
HPDP = [sys.executable, "-m", "hpdp"]


@pytest.fixture
def network() -> Iterator[Network]:
    reason = unavailable()
    if reason:
        pytest.fail(reason) if IN_CI else pytest.skip(reason)
    net = Network(["hosta", "hostb", "hostc"])
    try:
        yield net
    finally:
        net.close()


@pytest.fixture
def engines(network: Network, tmp_path: Path) -> Iterator[Engines]:
    logs = tmp_path / "logs"
    logs.mkdir()
    started = start_engines(network["hosta"], f"10.231.{network.subnet}.0/24", logs)
    try:
        yield started
    finally:
        started.stop()


def host_env(home: Path, shared: dict[str, str], **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HPDP_")}
    env.update(shared, HPDP_HOME=str(home), **extra)
    return env


def project(root: Path) -> Path:
    """A project folder every host sees (a shared folder): the grid notebook and its experiment."""
    (root / "notebooks").mkdir(parents=True)
    write_notebook(
        root / "notebooks" / "grid.ipynb",
        "x = 0\nrows = 10\npause = 1.0\n",
        "import time, hpdp\ntime.sleep(pause)",
        "hp = hpdp.open()\nhp.write('grid_rows', {'x': [x] * rows, 'i': list(range(rows))})\nhp.close()",
        "time.sleep(pause)\nhpdp.log_metric('rows_written', rows)",
    )
    spec = root / "experiments" / "grid.yaml"
    spec.parent.mkdir(parents=True)
    grid = json.dumps(list(range(GRID)))
    spec.write_text(
        f"name: spread\nnotebook: ../notebooks/grid.ipynb\ngrid:\n  x: {grid}\n"
        f"parameters:\n  rows: {ROWS}\n  pause: 2.0\nmetric: rows_written\n"
    )
    return spec


def api(base: str, token: str, path: str) -> Any:
    response = httpx.get(f"{base}/api/v1{path}", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    response.raise_for_status()
    return response.json()


def listen(url: str, token: str) -> list[dict[str, Any]]:
    """Every event the server sends from now on, collected by a thread (the socket closes with the server)."""
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    seen: list[dict[str, Any]] = []
    socket = connect(url, additional_headers={"Authorization": f"Bearer {token}"})

    def receive() -> None:
        with socket, contextlib.suppress(ConnectionClosed, OSError):
            for message in socket:
                seen.append(json.loads(message))

    threading.Thread(target=receive, daemon=True).start()
    return seen


def wait_up(host: Host, log: Path) -> None:
    def up() -> bool:
        text = log.read_text(errors="replace") if log.exists() else ""
        assert "Error" not in text, f"{host.hostname}: {text[-3000:]}"
        return "hpdp is up" in text

    wait_until(up, f"hpdp up on {host.hostname}", 180, 0.5)


def test_a_grid_spreads_over_two_worker_hosts_and_survives_one_dying(
    network: Network, engines: Engines, page: Any, tmp_path: Path
) -> None:
    a, b, c = network["hosta"], network["hostb"], network["hostc"]
    logs = tmp_path / "logs"
    spec = project(tmp_path / "project")
    token = secrets.token_urlsafe(16)
    mlflow_auth = ("hpdp", secrets.token_urlsafe(16))
    shared = {
        **engines.settings(),
        "HPDP_RUN_HEARTBEAT_S": "1",
        "HPDP_RUN_STALE_AFTER_S": str(STALE_S),
        "HPDP_MLFLOW_TRACKING_URI": f"http://{a.address}:5000",
        "HPDP_MLFLOW_USER": mlflow_auth[0],
        "HPDP_MLFLOW_PASSWORD": mlflow_auth[1],
    }
    server = host_env(
        tmp_path / "home-a",
        shared,
        HPDP_SERVE_HOST=a.address,
        HPDP_SERVE_TOKEN=token,
        HPDP_MLFLOW_HOST=a.address,
        HPDP_MLFLOW_BACKEND_URL=engines.mlflow_url,
        HPDP_MLFLOW_ARTIFACTS=f"s3://{engines.bucket}/mlflow",
    )
    a.start([*HPDP, "up", "--role", "server,scheduler", "--no-demo"], logs / "up-hosta.log", server)
    for host, role in ((b, "worker,scheduler"), (c, "worker")):  # a second scheduler on B
        env = host_env(tmp_path / f"home-{host.hostname}", shared, HPDP_UP_WORKERS="1", HPDP_SCHEDULER_POOL="1")
        host.start([*HPDP, "up", "--role", role], logs / f"up-{host.hostname}.log", env)
    for host in (a, b, c):
        wait_up(host, logs / f"up-{host.hostname}.log")
    tick = [*HPDP, "schedule", "add", "tick", "--notebook", str(spec.parent.parent / "notebooks" / "grid.ipynb")]
    tick += ["--cron", "* * * * * */15", "--overlap", "-p", "x", "1000", "-p", "rows", "1", "-p", "pause", "0"]
    assert a.run(tick, server).returncode == 0

    base = f"http://{a.address}:8080"
    events = listen(f"ws://{a.address}:8080/ws/events", token)
    submitted = a.start([*HPDP, "experiment", "run", str(spec), "--timeout", "900"], logs / "grid.log", server)

    def second_run_on_c() -> list[dict[str, Any]]:
        """C's grid run in progress once C has finished one of the grid's (C takes the tick schedule's runs too):
        the grid is spread, and C dies in the middle of it."""
        on_c = [r for r in api(base, token, "/runs?limit=100") if r["host"] == "hostc" and r["experiment"] == "spread"]
        running = [r for r in on_c if r["status"] == "running"]
        return running if running and any(r["status"] == "finished" for r in on_c) else []

    [doomed] = wait_until(second_run_on_c, "a second run on host C", 300, 0.1)
    killed = c.crash()
    assert killed, "host C had no process to kill"

    assert submitted.wait(timeout=900) == 1  # one of the runs failed: the grid says so
    grid_log = (logs / "grid.log").read_text()
    assert f"{GRID - 1} finished, 1 failed" in grid_log

    runs = [r for r in api(base, token, "/runs?limit=1000") if r["experiment"] == "spread"]
    assert len(runs) == GRID and not [r for r in runs if r["status"] in ("queued", "running")]
    assert sorted(r["parameters"]["x"] for r in runs) == list(range(GRID))  # none lost, none done twice
    [failed] = [r for r in runs if r["status"] == "failed"]
    assert failed["id"] == doomed["id"]
    assert "stopped during the run" in failed["reason"] and "hostc" in failed["reason"]
    finished = [r for r in runs if r["status"] == "finished"]
    assert {r["host"] for r in finished} == {"hostb", "hostc"}  # C worked until it died; B finished the grid

    answer = httpx.post(
        f"{base}/api/v1/sql",
        json={"sql": "SELECT x, count(*) AS n, count(DISTINCT i) AS d FROM grid_rows GROUP BY x"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    ).json()
    counts = {x: (n, d) for x, n, d in answer["rows"]}
    for r in finished:
        assert counts[r["parameters"]["x"]] == (ROWS, ROWS)  # every row of a finished run, once
    assert counts.get(failed["parameters"]["x"], (0, 0)) in ((0, 0), (ROWS, ROWS))  # whole or absent

    def ticks() -> list[dict[str, Any]]:
        done = [r for r in api(base, token, "/runs?schedule=tick&limit=100") if r["status"] != "queued"]
        return done if len(done) >= 3 else []

    fired = sorted(datetime.fromisoformat(r["created"]) for r in wait_until(ticks, "three ticks", 120, 1))
    gaps = [(later - earlier).total_seconds() for earlier, later in itertools.pairwise(fired)]
    assert min(gaps) > 10, fired  # due every 15 s: two schedulers firing one due time would be a second apart

    started = {e.get("worker", "").split(":")[0] for e in events if e.get("type") == "run.started"}
    assert {"hostb", "hostc"} <= started  # the workers' events reach the server host over Redis

    tracked = {r["tracking_id"] for r in finished}
    assert None not in tracked and len(tracked) == len(finished)
    for run_id in tracked:  # in the tracking server on A (its runs in PostgreSQL), which B and C sent them to
        got = httpx.get(f"http://{a.address}:5000/api/2.0/mlflow/runs/get", params={"run_id": run_id}, auth=mlflow_auth)
        metrics = {m["key"]: m["value"] for m in got.json()["run"]["data"].get("metrics", [])}
        assert metrics.get("rows_written") == ROWS
    refused = httpx.get(f"http://{a.address}:5000/api/2.0/mlflow/runs/get", params={"run_id": run_id})
    assert refused.status_code == 401
    assert engines.s3 is not None
    notebooks = [k for k in engines.s3.keys(engines.bucket) if k.startswith("mlflow/") and k.endswith(".ipynb")]
    assert len(notebooks) >= len(finished)  # each run's output notebook, in the object store through the server

    from playwright.sync_api import expect

    page.goto(f"{base}/runs?token={token}")
    for hostname in ("hostb", "hostc"):
        expect(page.get_by_text(hostname).first).to_be_visible(timeout=60_000)
