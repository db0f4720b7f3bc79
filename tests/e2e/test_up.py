"""`hpdp up` as a user runs it: every part answers, a killed part comes back, Ctrl-C leaves no process behind,
a second start carries on; a taken port stops it before anything starts."""

from __future__ import annotations

import json
import signal
import socket
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import httpx
import psutil
import pytest

from tests.e2e.runs_cli import env_for, hpdp, redis_settings, start, stop, wait_for

READY = "Ctrl-C stops everything."


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Platform:
    def __init__(self, home: Path, log: Path) -> None:
        self.ports = {"serve_port": free_port(), "flight_port": free_port(), "mlflow_ui_port": free_port()}
        self.ports["demo_api_port"] = free_port()
        self.env = env_for(home, **{k: str(v) for k, v in self.ports.items()})
        self.home, self.log = home, log
        self.started: list[subprocess.Popen[bytes]] = []

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.ports['serve_port']}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def up(self, *args: str, demo: bool = False) -> subprocess.Popen[bytes]:
        process = start(self.env, "up", *([] if demo else ["--no-demo"]), *args, log=self.log)
        self.started.append(process)
        wait_for(lambda: READY in self.output() or process.poll() is not None, timeout=180)
        assert process.poll() is None, self.output()
        return process

    def status(self) -> dict:
        return httpx.get(f"{self.base}/api/v1/platform", timeout=30).json()

    def cleanup(self) -> None:
        """Whatever a failed test left running, killed with its whole tree."""
        for process in self.started:
            if process.poll() is None:
                tree = psutil.Process(process.pid).children(recursive=True)
                process.kill()
                for child in tree:
                    child.kill()
                process.wait()


@pytest.fixture
def platform(workspace: Path, tmp_path: Path) -> Iterator[Platform]:
    p = Platform(workspace, tmp_path / "up.out")
    yield p
    p.cleanup()


def answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=30).status_code == 200
    except httpx.HTTPError:
        return False


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_up_serves_everything_restarts_a_killed_part_and_stops_with_its_whole_tree(platform: Platform) -> None:
    import pyarrow.flight as flight

    process = platform.up()
    out = platform.output()
    for label in ("dashboards", "REST API", "GraphQL", "Flight", "MLflow UI", "logs"):
        assert label in out
    assert f"{platform.base}/" in out

    assert answers(f"{platform.base}/")
    assert answers(f"{platform.base}/api/v1/info")
    client = flight.connect(f"grpc://127.0.0.1:{platform.ports['flight_port']}")
    assert isinstance(list(client.list_flights()), list)
    client.close()
    assert answers(f"http://127.0.0.1:{platform.ports['mlflow_ui_port']}/")
    status = platform.status()
    assert status["running"] is True
    assert {c["name"] for c in status["children"]} == {"scheduler", "serve", "mlflow"}

    # a part that dies comes back, and its restart is told and shown
    serve_pid = next(c["pid"] for c in status["children"] if c["name"] == "serve")
    assert serve_pid in [c.pid for c in psutil.Process(process.pid).children()]
    psutil.Process(serve_pid).kill()
    wait_for(lambda: "serve exited (code " in platform.output(), timeout=120)
    assert "; restarting in 1 s" in platform.output()
    wait_for(lambda: answers(f"{platform.base}/api/v1/info"), timeout=180)
    status = platform.status()
    serve = next(c for c in status["children"] if c["name"] == "serve")
    assert serve["pid"] != serve_pid and serve["restarts"] == 1 and serve["state"] == "running"
    assert status["restarts"][0]["child"] == "serve"
    assert not alive(serve_pid)
    with closing(sqlite3.connect(platform.home / "events.sqlite")) as events:
        published = [json.loads(body) for (body,) in events.execute("SELECT body FROM events")]
    assert {"type": "platform.restarted", "child": "serve"}.items() <= next(
        e for e in published if e["type"] == "platform.restarted"
    ).items()

    # Ctrl-C: every process of the tree ends
    tree = [p.pid for p in psutil.Process(process.pid).children(recursive=True)]
    assert len(tree) >= 3
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=20) == 0, platform.output()
    assert "hpdp up stopped." in platform.output()
    assert [pid for pid in tree if alive(pid)] == []
    assert "Traceback" not in platform.output()

    # a second start carries on in the same workspace
    second = platform.up()
    assert answers(f"{platform.base}/api/v1/info")
    stop(second, signal.SIGTERM, timeout=20)
    assert second.returncode == 0


def test_a_taken_port_is_one_sentence_naming_its_setting_and_nothing_starts(platform: Platform) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", platform.ports["serve_port"]))
        holder.listen()
        done = hpdp(platform.env, "up", "--no-demo", timeout=120)
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert lines == [
        f"Error: Port {platform.ports['serve_port']} is taken: set HPDP_SERVE_PORT to a free port "
        "(or stop the program that holds it)."
    ]
    assert not (platform.home / "logs").exists()
    assert not (platform.home / "platform.json").exists()


def test_a_run_that_ctrl_c_interrupts_ends_failed_with_a_reason(platform: Platform, tmp_path: Path) -> None:
    from hpdp.domain.runs import RunStatus
    from tests.e2e.runs_cli import runs
    from tests.notebook_factory import write_notebook

    slow = write_notebook(tmp_path / "slow.ipynb", "seconds = 600\n", "import time\ntime.sleep(seconds)")
    added = hpdp(platform.env, "schedule", "add", "slow", "--notebook", str(slow), "--cron", "* * * * * */2")
    assert added.returncode == 0, added.stderr
    process = start(platform.env, "up", "--only", "scheduler", "--no-demo", log=platform.log)
    platform.started.append(process)
    running = wait_for(lambda: runs(platform.home, status=RunStatus.RUNNING), timeout=180)
    process.send_signal(signal.SIGINT)
    # ending the run's MLflow record may load MLflow once more after the kill: more room than the 20 s stop
    assert process.wait(timeout=60) == 0, platform.output()
    record = next(r for r in runs(platform.home) if r.id == running[0].id)
    assert record.status is RunStatus.FAILED
    assert record.reason
    assert runs(platform.home, status=RunStatus.RUNNING) == []


@pytest.fixture
def redis_env(platform: Platform) -> dict[str, str]:
    platform.env.update({f"HPDP_{k.upper()}": v for k, v in redis_settings().items()})
    return platform.env


def test_with_the_redis_queue_up_starts_workers_beside_the_scheduler(
    platform: Platform, redis_env: dict[str, str]
) -> None:
    from hpdp.infrastructure.platform_status import read_status

    process = platform.up("--only", "scheduler,worker")
    status = read_status(platform.home)
    assert [c["name"] for c in status["children"]] == ["scheduler", "worker-1"]
    assert all(c["state"] == "running" for c in status["children"])
    tree = [p.pid for p in psutil.Process(process.pid).children(recursive=True)]
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=20) == 0, platform.output()
    assert [pid for pid in tree if alive(pid)] == []
    assert read_status(platform.home)["running"] is False


def test_a_first_start_seeds_the_demo_loads_it_and_its_schedule_runs_and_a_restart_keeps_it(
    platform: Platform,
) -> None:
    process = platform.up(demo=True)
    demo_url = f"http://127.0.0.1:{platform.ports['demo_api_port']}"
    assert "Demo set up in" in platform.output() and f"{demo_url}/flights" in platform.output()
    wait_for(lambda: "rows from demo_weather" in platform.output() or process.poll() is not None, timeout=120)
    assert "Demo: loaded " in platform.output() and " rows from demo_flights." in platform.output()
    tables = {t["name"] for t in httpx.get(f"{platform.base}/api/v1/tables", timeout=30).json()}
    assert {"flights", "weather"} <= tables
    schedules = {s["name"] for s in httpx.get(f"{platform.base}/api/v1/schedules", timeout=30).json()}
    assert {"demo-ingest", "demo-profile"} <= schedules

    def finished_demo_run() -> bool:
        runs = httpx.get(f"{platform.base}/api/v1/runs", params={"schedule": "demo-ingest"}, timeout=30).json()
        return any(r["status"] == "finished" for r in runs)

    wait_for(finished_demo_run, timeout=240)  # the ingest schedule fires at the next minute
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=20) == 0, platform.output()

    second = platform.up(demo=True)  # the seeded workspace keeps its demo API; nothing is seeded again
    assert "Demo set up" not in platform.output() and f"{demo_url}/flights" in platform.output()
    assert answers(f"{demo_url}/flights?per_page=1")
    stop(second, signal.SIGTERM, timeout=20)
    assert second.returncode == 0
