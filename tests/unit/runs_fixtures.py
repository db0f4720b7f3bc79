"""A run service on fakes: runner, tracker, inline queue, in-memory run log, notifier, settable clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hpdp.adapters.memory_runs import FakeRunner, FakeTracker, InlineQueue, RecordingNotifier
from hpdp.adapters.runs.sqlite_log import SQLiteRunLog
from hpdp.application.lazy import Lazy
from hpdp.application.runs import RunContext, RunService


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class Harness:
    service: RunService
    runner: FakeRunner
    tracker: FakeTracker
    queue: InlineQueue
    notifier: RecordingNotifier
    clock: Clock


def harness(home: Path, *, log: SQLiteRunLog | None = None, queue: InlineQueue | None = None) -> Harness:
    runner, tracker, notifier = FakeRunner(), FakeTracker(), RecordingNotifier()
    queue = queue or InlineQueue()
    clock = Clock(datetime(2026, 1, 5, 8, 0, 0, tzinfo=UTC))
    ctx = RunContext(
        runner=Lazy.of(runner),
        tracker=Lazy.of(tracker),
        queue=queue,
        log=log or SQLiteRunLog(":memory:"),
        home=home,
        notifier=notifier,
        snapshot=lambda: 7,
        worker="w1",
        version="9.9",
        clock=clock,
        heartbeat_s=3600,
        stale_after_s=60,
    )
    return Harness(RunService(ctx), runner, tracker, queue, notifier, clock)
