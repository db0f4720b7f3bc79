from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from hpdp.adapters.runs.sqlite_log import SQLiteRunLog
from hpdp.application.scheduling import Scheduler, check_schedule, due_times
from hpdp.domain.runs import MissedPolicy, ParameterError, RunStatus, Schedule, ScheduleError
from tests.notebook_factory import SMALL, write_notebook
from tests.unit.runs_fixtures import harness


@pytest.fixture
def nb(tmp_path: Path) -> Path:
    return write_notebook(tmp_path / "nb.ipynb", SMALL[0] + 'fail = ""\n', SMALL[1])


def hourly(nb: Path, created: datetime, **kw: object) -> Schedule:
    return Schedule(name="hourly", notebook=str(nb), cron="0 * * * *", created=created, **kw)  # type: ignore[arg-type]


def test_due_times_follow_the_time_zone() -> None:
    after = datetime(2026, 7, 1, 0, 0, tzinfo=UTC)
    [nxt] = due_times("0 6 * * *", "Europe/Paris", after=after, until=None)
    assert nxt == datetime(2026, 7, 1, 4, 0, tzinfo=UTC)  # 06:00 CEST


def test_bad_cron_zone_or_parameters_are_refused(nb: Path) -> None:
    base = Schedule(name="s", notebook=str(nb), cron="0 * * * *")
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(ScheduleError, match="not a cron expression"):
        check_schedule(base.but(cron="every hour"), now)
    with pytest.raises(ScheduleError, match="Unknown time zone"):
        check_schedule(base.but(tz="Mars/Olympus"), now)
    with pytest.raises(ParameterError):
        check_schedule(base.but(parameters={"nope": 1}), now)


def test_a_schedule_fires_once_per_due_time_even_with_two_schedulers(tmp_path: Path, nb: Path) -> None:
    log = SQLiteRunLog(tmp_path / "runs.sqlite")
    a, b = harness(tmp_path, log=log), harness(tmp_path, log=SQLiteRunLog(tmp_path / "runs.sqlite"))
    log.add_schedule(hourly(nb, a.clock()))
    s1, s2 = Scheduler(a.service), Scheduler(b.service)
    a.clock.advance(3600 + 1)
    b.clock.now = a.clock.now
    fired = s1.tick() + s2.tick() + s1.tick()
    assert len(fired) == 1 and log.get(fired[0].id).status is RunStatus.FINISHED
    a.clock.advance(3600)
    b.clock.now = a.clock.now
    assert len(s2.tick() + s1.tick()) == 1
    assert len(log.list(schedule="hourly")) == 2


def test_times_missed_while_down_run_once_at_start(tmp_path: Path, nb: Path) -> None:
    h = harness(tmp_path)
    h.service.ctx.log.add_schedule(hourly(nb, h.clock()))
    h.clock.advance(5 * 3600 + 600)  # five due times passed while no scheduler ran
    assert len(Scheduler(h.service).tick()) == 1
    assert len(h.service.ctx.log.list(schedule="hourly")) == 1


def test_times_missed_while_down_can_be_skipped(tmp_path: Path, nb: Path) -> None:
    h = harness(tmp_path)
    h.service.ctx.log.add_schedule(hourly(nb, h.clock(), missed=MissedPolicy.SKIP))
    h.clock.advance(5 * 3600 + 600)
    scheduler = Scheduler(h.service)
    assert scheduler.tick() == []
    h.clock.advance(3000 + 5)  # the next due time, seen on time, fires
    assert len(scheduler.tick()) == 1


def test_a_paused_schedule_does_not_fire(tmp_path: Path, nb: Path) -> None:
    h = harness(tmp_path)
    h.service.ctx.log.add_schedule(hourly(nb, h.clock(), paused=True))
    h.clock.advance(3601)
    assert Scheduler(h.service).tick() == []


def test_no_second_run_while_the_previous_is_going(tmp_path: Path, nb: Path) -> None:
    from hpdp.adapters.memory_runs import InlineQueue

    class HoldingQueue(InlineQueue):
        def submit(self, run_id: str) -> None:  # accepted, never started
            self.submitted.append(run_id)

    h = harness(tmp_path, queue=HoldingQueue())
    h.service.ctx.log.add_schedule(hourly(nb, h.clock()))
    scheduler = Scheduler(h.service)
    h.clock.advance(3601)
    assert [r.status for r in scheduler.tick()] == [RunStatus.QUEUED]
    h.clock.advance(3600)
    [skipped] = scheduler.tick()
    assert skipped.status is RunStatus.SKIPPED and "still going" in skipped.reason
    h.service.ctx.log.update_schedule("hourly", allow_overlap=True)
    h.clock.advance(3600)
    assert [r.status for r in scheduler.tick()] == [RunStatus.QUEUED]


def test_failed_runs_retry_with_backoff_then_notify(tmp_path: Path, nb: Path) -> None:
    h = harness(tmp_path)
    sched = hourly(nb, h.clock(), parameters={"fail": "broken"}, retries=2, backoff_s=10)
    h.service.ctx.log.add_schedule(sched)
    scheduler = Scheduler(h.service)
    h.clock.advance(3601)
    [first] = scheduler.tick()
    assert h.service.ctx.log.get(first.id).status is RunStatus.FAILED
    [waiting] = h.service.ctx.log.list(status=RunStatus.WAITING)
    assert waiting.request.attempt == 2
    h.clock.advance(9)
    assert scheduler.tick() == []  # backoff not over
    h.clock.advance(2)
    assert len(scheduler.tick()) == 1  # attempt 2 fails; attempt 3 waits 20 s
    h.clock.advance(21)
    scheduler.tick()
    runs = h.service.ctx.log.list(schedule="hourly")
    assert sorted(r.request.attempt for r in runs) == [1, 2, 3]
    assert all(r.status is RunStatus.FAILED for r in runs)
    [(event, payload)] = h.notifier.sent
    assert event == "run.failed" and payload["attempt"] == 3 and payload["reason"] == "RuntimeError: broken"


def test_a_sixth_field_gives_seconds_after_the_day_of_the_week() -> None:
    start = datetime(2026, 1, 1, 12, 1, 0, tzinfo=UTC)
    every_ten = due_times("* * * * * */10", "UTC", after=start, until=datetime(2026, 1, 1, 12, 1, 30, tzinfo=UTC))
    assert [t.second for t in every_ten] == [10, 20, 30]
    # seconds first would mean "every second of every tenth minute": nothing in minute 1
    assert due_times("*/10 * * * * *", "UTC", after=start, until=None)[0].minute == 10
