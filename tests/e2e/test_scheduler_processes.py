"""Schedulers in separate processes over one run log (SQLite or PostgreSQL) and a Redis queue."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hpdp.application.runs_ports import AbstractRunLog, RunOptions
from hpdp.domain.runs import Schedule
from hpdp.infrastructure.registries import Registries
from tests.e2e.runs_cli import env_for, hpdp, redis_settings, start
from tests.notebook_factory import SMALL, write_notebook

LOGS = [pytest.param("sqlite", marks=pytest.mark.sqlite), pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=LOGS)
def setup(request: pytest.FixtureRequest, workspace: Path) -> Iterator[tuple[dict[str, str], AbstractRunLog]]:
    """The environment of a scheduler process, and the run log it uses."""
    settings = {"db_engine": "memory", "tracker": "memory", "run_log": request.param, **redis_settings()}
    url = request.getfixturevalue("pg_url") if request.param == "postgres" else None
    if url:
        settings["run_log_url"] = url
    log = Registries().run_logs.get(request.param)(RunOptions(home=workspace, run_log_url=url))
    yield env_for(workspace, **settings), log
    log.close()


def test_three_scheduler_processes_fire_a_due_time_once(
    setup: tuple[dict[str, str], AbstractRunLog], workspace: Path
) -> None:
    env, log = setup
    nb = write_notebook(workspace / "nb.ipynb", *SMALL)
    # Due once on 1 January 2026 since its creation; the next due time is a year on.
    log.add_schedule(
        Schedule(name="new-year", notebook=str(nb), cron="0 0 1 1 *", created=datetime(2025, 12, 31, tzinfo=UTC))
    )
    for round_ in range(2):
        outs = [workspace / f"s{round_}{i}.log" for i in range(3)]
        procs = [start(env, "scheduler", "--once", "--pool", "0", log=out) for out in outs]
        for p in procs:
            p.wait(timeout=180)
        texts = [out.read_text() for out in outs]
        assert all(p.returncode == 0 for p in procs), texts
        assert sum(t.count("Fired new-year") for t in texts) == (1 if round_ == 0 else 0), texts
    assert len(log.list(schedule="new-year")) == 1


def test_a_postgres_run_log_without_a_url_or_server_is_one_sentence_naming_the_setting(workspace: Path) -> None:
    env = env_for(workspace, db_engine="memory", tracker="memory", run_log="postgres")
    missing = hpdp(env, "runs")
    assert missing.returncode != 0 and "HPDP_RUN_LOG=postgres needs HPDP_RUN_LOG_URL" in missing.stderr
    assert "Traceback" not in missing.stderr
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env["HPDP_RUN_LOG_URL"] = f"postgresql://me:s3cret@127.0.0.1:{port}/hpdp"
    down = hpdp(env, "runs")
    assert down.returncode != 0 and "HPDP_RUN_LOG_URL" in down.stderr and "does not answer" in down.stderr
    assert "s3cret" not in down.stderr + down.stdout and "Traceback" not in down.stderr
    assert len(down.stderr.strip().splitlines()) == 1, down.stderr
    env["HPDP_RUN_LOG_URL"] = "mysql://me:s3cret@host/db"
    wrong = hpdp(env, "runs")
    assert "is not a PostgreSQL URL" in wrong.stderr and "s3cret" not in wrong.stderr


def test_a_postgres_lake_url_serves_as_the_run_log_url(workspace: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = env_for(
        workspace, db_engine="memory", tracker="memory", run_log="postgres", db_url=f"postgresql://127.0.0.1:{port}/x"
    )
    down = hpdp(env, "runs")
    assert down.returncode != 0 and "fix HPDP_DB_URL" in down.stderr, down.stderr
