"""The services every interface calls: schedules, run listing, ingest-all and experiments, with fakes and a
clock the test drives."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import hpdp
from hpdp.adapters.sources.memory import MemorySource
from hpdp.application.ingestion import IngestionService
from hpdp.application.schedules import ScheduleService
from hpdp.application.scheduling import Scheduler
from hpdp.domain.errors import ErrorKind, InvalidInputError, UnsupportedError
from hpdp.domain.runs import RunRequest, RunStatus, Schedule, ScheduleError, ScheduleExistsError, ScheduleNotFoundError
from tests.notebook_factory import SMALL, write_notebook
from tests.unit.runs_fixtures import harness
from tests.unit.test_ingestion import rows, spec


@pytest.fixture
def nb(tmp_path: Path) -> Path:
    return write_notebook(tmp_path / "nb.ipynb", SMALL[0] + 'fail = ""\n', SMALL[1])


def schedules(h) -> ScheduleService:
    return ScheduleService(h.service.ctx.log, h.clock)


def test_an_added_schedule_is_checked_stored_and_shows_its_next_time(tmp_path: Path, nb: Path) -> None:
    h = harness(tmp_path)
    view = schedules(h).add(Schedule(name="hourly", notebook=str(nb), cron="0 * * * *"))
    assert view.next_due == datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    assert view.schedule.created == h.clock() and Path(view.schedule.notebook).is_absolute()
    with pytest.raises(ScheduleExistsError) as exists:
        schedules(h).add(Schedule(name="hourly", notebook=str(nb), cron="0 * * * *"))
    assert exists.value.kind is ErrorKind.CONFLICT
    with pytest.raises(ScheduleError, match="zero or more") as bad:
        schedules(h).add(Schedule(name="neg", notebook=str(nb), cron="0 * * * *", retries=-1))
    assert "--" not in str(bad.value)


def test_resuming_does_not_fire_the_times_missed_while_paused(tmp_path: Path, nb: Path) -> None:
    h = harness(tmp_path)
    service = schedules(h)
    service.add(Schedule(name="hourly", notebook=str(nb), cron="0 * * * *"))
    service.pause("hourly")
    assert [v.next_due for v in service.list_schedules()] == [None]
    h.clock.advance(5 * 3600)
    assert Scheduler(h.service).tick() == []
    service.resume("hourly")
    assert Scheduler(h.service).tick() == []  # five missed times, none fire
    h.clock.advance(3600)
    assert len(Scheduler(h.service).tick()) == 1


def test_an_unknown_schedule_is_not_found_without_naming_a_command(tmp_path: Path) -> None:
    with pytest.raises(ScheduleNotFoundError) as err:
        schedules(harness(tmp_path)).remove("nope")
    assert err.value.kind is ErrorKind.NOT_FOUND and "hpdp" not in str(err.value)


def test_next_fire_times_follow_the_clock(tmp_path: Path) -> None:
    h = harness(tmp_path)
    times = schedules(h).next_fire_times("*/15 * * * *", "UTC", 3)
    assert times == [h.clock() + timedelta(minutes=m) for m in (15, 30, 45)]
    with pytest.raises(ScheduleError, match="not a cron expression"):
        schedules(h).next_fire_times("often")


def test_listing_runs_reaps_abandoned_ones_first_and_checks_the_status(tmp_path: Path, nb: Path) -> None:
    h = harness(tmp_path)
    record = h.service.prepare(RunRequest(str(nb)))
    h.service.ctx.log.claim(record.id, "gone", h.clock())
    h.clock.advance(120)
    [listed] = h.service.list_runs(status="failed")
    assert listed.id == record.id and "no heartbeat" in (listed.reason or "")
    with pytest.raises(InvalidInputError, match=r"Unknown status 'done'; use one of: .*finished"):
        h.service.list_runs(status="done")


def test_the_scheduler_loop_ticks_until_stopped(tmp_path: Path, nb: Path) -> None:
    h = harness(tmp_path)
    schedules(h).add(Schedule(name="hourly", notebook=str(nb), cron="0 * * * *"))
    h.clock.advance(3601)
    fired = []
    Scheduler(h.service).serve(threading.Event(), poll_s=0, once=True, on_fire=fired.append)
    assert [h.service.get(r.id).status for r in fired] == [RunStatus.FINISHED]


def test_a_local_queue_has_no_workers_to_serve(tmp_path: Path) -> None:
    h = harness(tmp_path)
    assert not h.service.has_workers
    with pytest.raises(UnsupportedError, match="has no workers"):
        h.service.serve(burst=True)


def test_ingest_all_loads_every_source_and_sums_up_the_failures(tmp_path: Path) -> None:
    start = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    with hpdp.open(db_engine="memory", home=str(tmp_path)) as hp:
        good = spec([rows(1, 2)])
        bad = replace(spec([rows(1)], options={"total": 9}), name="bad", table="u")
        seen = []
        ingest = IngestionService(hp.store, lambda: {"s": good, "bad": bad}, MemorySource, lambda: start)
        summary = ingest.ingest_all(on_outcome=seen.append)
    assert [o.source for o in summary.outcomes] == ["bad", "s"] and seen == summary.outcomes
    assert summary.failed == ["bad"] and not summary.ok
    assert "declared 9 rows" in str(summary.outcomes[0].error)
    [loaded] = summary.loaded
    assert loaded.rows == 2 and loaded.started == start and loaded.finished == start
