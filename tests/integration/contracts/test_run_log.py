"""One contract for every run log: runs, schedules, claims and heartbeats, on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest

from hpdp.application.runs_ports import AbstractRunLog, RunOptions
from hpdp.application.scheduling import Scheduler
from hpdp.domain.runs import (
    RunNotFoundError,
    RunRecord,
    RunRequest,
    RunStatus,
    Schedule,
    ScheduleExistsError,
    ScheduleNotFoundError,
)
from hpdp.infrastructure.registries import Registries
from tests.notebook_factory import SMALL, write_notebook
from tests.unit.runs_fixtures import harness

T0 = datetime(2026, 1, 5, 8, 0, 0, tzinfo=UTC)
LOGS = [pytest.param("sqlite", marks=pytest.mark.sqlite), pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=LOGS)
def open_log(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], AbstractRunLog]]:
    """Opens run logs (each with its own connection) on one store, through the registry."""
    url = request.getfixturevalue("pg_url") if request.param == "postgres" else None
    options = RunOptions(home=tmp_path, run_log_url=url)
    factory = Registries().run_logs.get(request.param)
    opened: list[AbstractRunLog] = []

    def _open() -> AbstractRunLog:
        opened.append(factory(options))
        return opened[-1]

    yield _open
    for log in opened:
        log.close()


@pytest.fixture
def log(open_log: Callable[[], AbstractRunLog]) -> AbstractRunLog:
    return open_log()


def record(run_id: str, *, created: datetime = T0, schedule: str | None = None) -> RunRecord:
    request = RunRequest(notebook="nb.ipynb", parameters={"n": 3, "s": "x"}, schedule=schedule)
    return RunRecord(id=run_id, request=request, status=RunStatus.QUEUED, queue="thread", created=created)


def schedule(name: str = "hourly", **kw: object) -> Schedule:
    return Schedule(name=name, notebook="nb.ipynb", cron="0 * * * *", created=T0, **kw)  # type: ignore[arg-type]


def test_a_run_reads_back_as_written(log: AbstractRunLog) -> None:
    log.add(record("r1", schedule="s"))
    got = log.get("r1")
    assert got.request == RunRequest(notebook="nb.ipynb", parameters={"n": 3, "s": "x"}, schedule="s")
    assert (got.status, got.queue, got.created, got.started) == (RunStatus.QUEUED, "thread", T0, None)
    with pytest.raises(RunNotFoundError):
        log.get("nope")


def test_updates_change_named_columns_only(log: AbstractRunLog) -> None:
    log.add(record("r1"))
    ended = T0 + timedelta(seconds=90)
    got = log.update("r1", status=RunStatus.FINISHED, ended=ended, output_path="out.ipynb", reason=None)
    assert (got.status, got.ended, got.output_path, got.queue) == (RunStatus.FINISHED, ended, "out.ipynb", "thread")
    with pytest.raises(ValueError, match="not run columns"):
        log.update("r1", request="x")


def test_conditional_update_and_claim_succeed_once(log: AbstractRunLog) -> None:
    log.add(record("r1"))
    assert log.update_if("r1", RunStatus.RUNNING, status=RunStatus.FAILED) is None
    claimed = log.claim("r1", "w1", T0, "host:1:2.0")
    assert claimed is not None and (claimed.status, claimed.worker, claimed.process) == (
        RunStatus.RUNNING,
        "w1",
        "host:1:2.0",
    )
    assert claimed.started == claimed.heartbeat == T0
    assert log.claim("r1", "w2", T0) is None
    done = log.update_if("r1", RunStatus.RUNNING, status=RunStatus.FINISHED)
    assert done is not None and done.status is RunStatus.FINISHED


def test_listing_filters_by_status_and_schedule_newest_first(log: AbstractRunLog) -> None:
    for i in range(5):
        log.add(record(f"r{i}", created=T0 + timedelta(minutes=i), schedule="a" if i % 2 else "b"))
    log.update("r3", status=RunStatus.FAILED)
    assert [r.id for r in log.list()] == ["r4", "r3", "r2", "r1", "r0"]
    assert [r.id for r in log.list(schedule="a")] == ["r3", "r1"]
    assert [r.id for r in log.list(status=RunStatus.FAILED)] == ["r3"]
    assert [r.id for r in log.list(status=RunStatus.QUEUED, schedule="b", limit=2)] == ["r4", "r2"]
    assert log.list(schedule="none") == []


def test_a_silent_running_run_is_reaped_once(open_log: Callable[[], AbstractRunLog], tmp_path: Path) -> None:
    a, b = harness(tmp_path, log=open_log()), harness(tmp_path, log=open_log())
    log = a.service.ctx.log
    log.add(record("quiet", created=a.clock()))
    log.add(record("beating", created=a.clock()))
    log.claim("quiet", "gone", a.clock())
    log.claim("beating", "w", a.clock())
    for h in (a, b):
        h.clock.advance(120)
    log.update("beating", heartbeat=a.clock())
    reaped = a.service.reap_stale() + b.service.reap_stale()
    assert [r.id for r in reaped] == ["quiet"]
    got = log.get("quiet")
    assert got.status is RunStatus.FAILED and "no heartbeat since" in (got.reason or "")
    assert log.get("beating").status is RunStatus.RUNNING


def test_schedules_are_added_listed_changed_and_removed(log: AbstractRunLog) -> None:
    log.add_schedule(schedule("b", parameters={"k": [1, 2]}, tz="Europe/Paris"))
    log.add_schedule(schedule("a", paused=True))
    with pytest.raises(ScheduleExistsError):
        log.add_schedule(schedule("a"))
    assert [s.name for s in log.schedules()] == ["a", "b"]
    got = log.get_schedule("b")
    assert got == schedule("b", parameters={"k": [1, 2]}, tz="Europe/Paris")
    assert log.update_schedule("a", paused=False, retries=2) == schedule("a", retries=2)
    assert log.get_schedule("a").retries == 2
    log.remove_schedule("a")
    with pytest.raises(ScheduleNotFoundError):
        log.get_schedule("a")
    with pytest.raises(ScheduleNotFoundError):
        log.remove_schedule("a")


def test_a_due_time_is_claimed_once_and_only_forward(log: AbstractRunLog) -> None:
    log.add_schedule(schedule())
    due = T0 + timedelta(hours=1)
    assert log.claim_due("hourly", due) is True
    assert log.claim_due("hourly", due) is False
    assert log.claim_due("hourly", due - timedelta(hours=1)) is False
    assert log.get_schedule("hourly").last_due == due
    assert log.claim_due("hourly", due + timedelta(hours=1)) is True
    log.update_schedule("hourly", paused=True)
    assert log.claim_due("hourly", due + timedelta(hours=2)) is False
    assert log.claim_due("missing", due) is False


def test_a_changed_schedule_keeps_the_due_time_claimed_meanwhile(log: AbstractRunLog) -> None:
    log.add_schedule(schedule())
    stale = log.get_schedule("hourly")  # read before a scheduler claims
    due = T0 + timedelta(hours=1)
    assert log.claim_due("hourly", due)
    log.update_schedule(stale.name, retries=3)
    assert log.get_schedule("hourly").last_due == due
    assert not log.claim_due("hourly", due)


def at_once(calls: list[Callable[[], object]]) -> list[object]:
    """Run the calls in threads released together; their results in call order."""
    start = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def call(i: int) -> None:
        start.wait()
        results[i] = calls[i]()

    threads = [threading.Thread(target=call, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_connections_racing_for_one_due_time_have_one_winner(open_log: Callable[[], AbstractRunLog]) -> None:
    logs = [open_log() for _ in range(4)]
    logs[0].add_schedule(schedule())
    for hour in range(1, 6):
        due = T0 + timedelta(hours=hour)
        won = at_once([partial(log.claim_due, "hourly", due) for log in logs])
        assert sorted(won) == [False, False, False, True]  # type: ignore[type-var]


def test_three_schedulers_on_one_log_fire_a_due_time_once(
    open_log: Callable[[], AbstractRunLog], tmp_path: Path
) -> None:
    nb = write_notebook(tmp_path / "nb.ipynb", *SMALL)
    hs = [harness(tmp_path, log=open_log()) for _ in range(3)]
    hs[0].service.ctx.log.add_schedule(
        Schedule(name="hourly", notebook=str(nb), cron="0 * * * *", created=hs[0].clock())
    )
    schedulers = [Scheduler(h.service) for h in hs]
    for _ in range(2):
        for h in hs:
            h.clock.advance(3600 + 1)
        fired = at_once([s.tick for s in schedulers])
        assert sum(len(f) for f in fired) == 1  # type: ignore[arg-type]
    assert len(hs[1].service.ctx.log.list(schedule="hourly")) == 2
