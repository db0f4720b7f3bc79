"""Schedule use cases: add (checked), pause, resume, remove, list with next fire times."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hpdp.application.clock import Clock
from hpdp.application.events import AbstractEventBus, NullEventBus
from hpdp.application.notebooks import notebook_path
from hpdp.application.runs_ports import AbstractRunLog
from hpdp.application.scheduling import check_schedule, next_fire_times
from hpdp.domain.runs import Schedule


@dataclass(frozen=True)
class ScheduleView:
    """A schedule and its next due time in UTC (None while paused)."""

    schedule: Schedule
    next_due: datetime | None


class ScheduleService:
    def __init__(self, run_log: AbstractRunLog, clock: Clock, events: AbstractEventBus | None = None) -> None:
        self._log = run_log
        self._clock = clock
        self._events = events or NullEventBus()

    def add(self, schedule: Schedule, *, from_text: bool = False) -> ScheduleView:
        """Check cron, zone, retries and parameters against the notebook, then store it from now on."""
        now = self._clock()
        notebook = str(notebook_path(schedule.notebook))
        checked = check_schedule(schedule.but(notebook=notebook, created=now), now, from_text=from_text)
        self._log.add_schedule(checked)
        self._events.publish("schedule.changed", schedule=checked.name, change="added")
        return self._view(checked, now)

    def pause(self, name: str) -> Schedule:
        schedule = self._log.update_schedule(name, paused=True)
        self._events.publish("schedule.changed", schedule=name, change="paused")
        return schedule

    def resume(self, name: str) -> Schedule:
        """Fire again from now on: the times that passed while paused do not fire."""
        schedule = self._log.update_schedule(name, paused=False, last_due=self._clock())
        self._events.publish("schedule.changed", schedule=name, change="resumed")
        return schedule

    def remove(self, name: str) -> None:
        self._log.remove_schedule(name)
        self._events.publish("schedule.changed", schedule=name, change="removed")

    def get(self, name: str) -> ScheduleView:
        return self._view(self._log.get_schedule(name), self._clock())

    def list_schedules(self) -> list[ScheduleView]:
        now = self._clock()
        return [self._view(s, now) for s in self._log.schedules()]

    def next_fire_times(self, cron: str, tz: str = "UTC", n: int = 5) -> list[datetime]:
        """The next `n` due times of a cron expression from now, in UTC; ScheduleError if it is not valid."""
        return next_fire_times(cron, tz, self._clock(), n)

    @staticmethod
    def _view(schedule: Schedule, now: datetime) -> ScheduleView:
        due = None if schedule.paused else next_fire_times(schedule.cron, schedule.tz, now, 1)[0]
        return ScheduleView(schedule, due)
