"""Schedules: due times from cron expressions, firing once per due time, retries and failure notices."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hpdp.application.notebooks import check_parameters, declared_parameters, load_notebook
from hpdp.application.runs import RunService
from hpdp.domain.runs import MissedPolicy, RunRecord, RunRequest, RunStatus, Schedule, ScheduleError

log = logging.getLogger(__name__)


def check_schedule(schedule: Schedule, now: datetime, *, from_text: bool = False) -> Schedule:
    """The schedule with converted parameters, or ScheduleError/ParameterError before anything is stored."""
    _zone(schedule.tz)
    due_times(schedule.cron, schedule.tz, after=now, until=None, limit=1)
    if schedule.retries < 0 or schedule.backoff_s < 0:
        raise ScheduleError("Retries and backoff must be zero or more.", code="schedule_retries")
    declared = declared_parameters(load_notebook(schedule.notebook))
    params = check_parameters(declared, schedule.parameters, notebook=schedule.notebook, from_text=from_text)
    return schedule.but(parameters=params)


def _zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(f"Unknown time zone {tz!r}; use an IANA name such as 'Europe/Paris' or 'UTC'.") from None


def next_fire_times(cron: str, tz: str, after: datetime, n: int = 1) -> list[datetime]:
    """The next `n` due times of a cron expression after `after`, in UTC (for live checking of an expression)."""
    out: list[datetime] = []
    while len(out) < n:
        [nxt] = due_times(cron, tz, after=out[-1] if out else after, until=None)
        out.append(nxt)
    return out


def due_times(cron: str, tz: str, *, after: datetime, until: datetime | None, limit: int = 1000) -> list[datetime]:
    """Due times after `after` up to `until` (or only the next one when `until` is None), in UTC."""
    from croniter import croniter  # a small pure-Python dependency of the runs extra

    zone = _zone(tz)
    try:
        it = croniter(cron, after.astimezone(zone))
    except (ValueError, KeyError) as exc:
        raise ScheduleError(
            f"{cron!r} is not a cron expression ({exc}); use five fields such as '*/15 * * * *' "
            "(a sixth field, after the day of the week, gives seconds)."
        ) from None
    out: list[datetime] = []
    while len(out) < limit:
        nxt = it.get_next(datetime).astimezone(ZoneInfo("UTC"))
        if until is None:
            return [nxt]
        if nxt > until:
            break
        out.append(nxt)
    return out


class Scheduler:
    """One tick fires every due schedule into the queue; several schedulers may tick at once."""

    def __init__(self, service: RunService, *, grace_s: float = 30.0) -> None:
        self.service = service
        self.ctx = service.ctx
        self.grace_s = grace_s  # a due time older than this when seen was missed

    def serve(
        self,
        stop: threading.Event,
        *,
        poll_s: float = 1.0,
        once: bool = False,
        on_fire: Callable[[RunRecord], None] = lambda record: None,
    ) -> None:
        """Tick every `poll_s` seconds until `stop` is set (after one tick when `once`)."""
        if not self.service.has_workers:  # runs execute here: kernels start now, the tracker loads meanwhile
            self.service.warm()
        while True:
            for record in self.tick():
                on_fire(record)
            if once or stop.wait(poll_s):
                return

    def tick(self) -> list[RunRecord]:
        fired: list[RunRecord] = []
        self.service.reap_stale()
        now = self.ctx.clock()
        for schedule in self.ctx.log.schedules():
            if schedule.paused:
                continue
            try:
                fired.extend(self._fire_due(schedule, now))
            except Exception:
                log.exception("schedule %s could not fire", schedule.name)
        fired.extend(self._release_retries(now))
        return fired

    def _fire_due(self, schedule: Schedule, now: datetime) -> list[RunRecord]:
        since = schedule.last_due or schedule.created or now
        due = due_times(schedule.cron, schedule.tz, after=since, until=now)
        if not due:
            return []
        current = due[-1]  # several due times missed while no scheduler ran collapse into one run
        if not self.ctx.log.claim_due(schedule.name, current):
            return []  # another scheduler handled it, or the schedule was paused meanwhile
        if now - current > timedelta(seconds=self.grace_s) and schedule.missed is MissedPolicy.SKIP:
            return []
        if not schedule.allow_overlap and self._still_running(schedule.name):
            return [self._record_skip(schedule, "the previous run is still going")]
        request = RunRequest(
            notebook=schedule.notebook,
            parameters=schedule.parameters,
            schedule=schedule.name,
            timeout_s=schedule.timeout_s,
        )
        record = self.service.submit(request)
        self.ctx.events.publish("schedule.fired", schedule=schedule.name, run_id=record.id)
        return [record]

    def _still_running(self, name: str) -> bool:
        return any(
            r.status in (RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.WAITING)
            for r in self.ctx.log.list(schedule=name, limit=50)
        )

    def _record_skip(self, schedule: Schedule, reason: str) -> RunRecord:
        record = self.service.prepare(
            RunRequest(notebook=schedule.notebook, parameters=schedule.parameters, schedule=schedule.name)
        )
        return self.ctx.log.update(record.id, status=RunStatus.SKIPPED, ended=self.ctx.clock(), reason=reason)

    def _release_retries(self, now: datetime) -> list[RunRecord]:
        released = []
        for rec in self.ctx.log.list(status=RunStatus.WAITING, limit=1000):
            if rec.not_before is None or rec.not_before <= now:
                updated = self.ctx.log.update(rec.id, status=RunStatus.QUEUED)
                self.ctx.queue.submit(rec.id)
                released.append(updated)
        return released
