"""The supervisor's rule: a child that ends is restarted after 1 s, 2 s, 4 s ... up to 30 s, from 1 s again once it
stayed up; stopping asks every child, then kills what did not end. A fake clock and fake processes."""

from __future__ import annotations

from datetime import UTC, datetime

from hpdp.application.supervision import AbstractChild, Backoff, ChildSpec, Supervisor
from hpdp.domain.events import Event


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def wait(self, seconds: float) -> None:
        self.now += seconds


class FakeChild(AbstractChild):
    def __init__(self, pid: int, *, obeys: bool = True) -> None:
        self.pid = pid
        self.code: int | None = None
        self.obeys = obeys
        self.stopped = self.killed = False

    def exit_code(self) -> int | None:
        return self.code

    def stop(self) -> None:
        self.stopped = True
        if self.obeys:
            self.code = 0

    def gone(self) -> bool:
        return self.code is not None

    def kill(self) -> None:
        self.killed = True
        self.code = -9


class Launcher:
    def __init__(self, obeys: bool = True) -> None:
        self.started: list[FakeChild] = []
        self.obeys = obeys

    def __call__(self, spec: ChildSpec) -> FakeChild:
        child = FakeChild(100 + len(self.started), obeys=self.obeys)
        self.started.append(child)
        return child


class RecordingBus:
    def __init__(self) -> None:
        self.events: list[Event] = []

    def publish(self, type: str, **ids: object) -> None:
        self.events.append(Event(type, datetime.now(UTC), ids))  # type: ignore[arg-type]


def supervisor(launcher: Launcher, clock: FakeClock, lines: list[str], **kw: object) -> Supervisor:
    return Supervisor(
        [ChildSpec("serve", ["serve"])],
        launcher,
        clock=clock,
        say=lines.append,
        backoff=Backoff(first_s=1, factor=2, max_s=30, reset_after_s=60),
        **kw,  # type: ignore[arg-type]
    )


def crash(launcher: Launcher, code: int = 1) -> None:
    launcher.started[-1].code = code


def test_delays_double_from_one_second_up_to_thirty() -> None:
    assert [Backoff().delay(n) for n in range(7)] == [1, 2, 4, 8, 16, 30, 30]


def test_a_child_that_dies_is_restarted_after_the_delay_and_each_restart_is_one_line() -> None:
    clock, launcher, lines = FakeClock(), Launcher(), []
    sup = supervisor(launcher, clock, lines)
    sup.start()
    crash(launcher)
    sup.check()
    assert lines == ["serve exited (code 1); restarting in 1 s"]
    assert len(launcher.started) == 1  # not before the delay
    clock.now += 0.5
    sup.check()
    assert len(launcher.started) == 1
    clock.now += 0.5
    sup.check()
    assert len(launcher.started) == 2
    assert sup.children[0].view()["state"] == "running"
    assert sup.children[0].restarts == 1


def test_restarts_in_a_row_wait_longer_and_a_child_that_stayed_up_starts_again_from_one_second() -> None:
    clock, launcher, lines = FakeClock(), Launcher(), []
    sup = supervisor(launcher, clock, lines)
    sup.start()
    delays = []
    for _ in range(7):
        crash(launcher)
        sup.check()
        delay = sup.children[0].restart_at - clock.now  # type: ignore[operator]
        delays.append(delay)
        clock.now += delay
        sup.check()
    assert delays == [1, 2, 4, 8, 16, 30, 30]
    clock.now += 60  # up a minute
    crash(launcher)
    sup.check()
    assert lines[-1] == "serve exited (code 1); restarting in 1 s"


def test_a_dead_childs_remaining_helpers_are_killed_before_the_restart() -> None:
    clock, launcher, lines = FakeClock(), Launcher(), []
    sup = supervisor(launcher, clock, lines)
    sup.start()
    crash(launcher)
    sup.check()
    assert launcher.started[0].killed


def test_each_restart_is_published_and_reported_in_the_status() -> None:
    clock, launcher, lines, bus, reports = FakeClock(), Launcher(), [], RecordingBus(), []
    sup = supervisor(launcher, clock, lines, events=bus, report=reports.append)
    sup.start()
    crash(launcher, 3)
    sup.check()
    assert [(e.type, e.ids["child"], e.ids["code"]) for e in bus.events] == [("platform.restarted", "serve", 3)]
    status = reports[-1]
    assert status["running"] is True
    assert status["children"][0]["state"] == "restarting"  # type: ignore[index]
    assert status["restarts"][0]["child"] == "serve"  # type: ignore[index]


def test_stop_asks_every_child_and_kills_only_those_that_do_not_end() -> None:
    clock = FakeClock()
    obeying, stubborn = FakeChild(1), FakeChild(2, obeys=False)
    children = iter([obeying, stubborn])
    sup = Supervisor(
        [ChildSpec("serve", ["serve"]), ChildSpec("mlflow", ["mlflow"])],
        lambda spec: next(children),
        clock=clock,
        say=lambda line: None,
    )
    sup.start()
    killed = sup.stop(grace_s=5, wait=clock.wait)
    assert obeying.stopped and stubborn.stopped
    assert killed == ["mlflow"]
    assert not obeying.killed and stubborn.killed
    assert 5 <= clock.now < 6  # waited the grace period, no longer


def test_no_restart_after_stop() -> None:
    clock, launcher, lines = FakeClock(), Launcher(), []
    sup = supervisor(launcher, clock, lines)
    sup.start()
    sup.stop(grace_s=1, wait=clock.wait)
    clock.now += 100
    sup.check()
    assert len(launcher.started) == 1
    assert sup.status(stopped=True)["children"][0]["state"] == "stopped"  # type: ignore[index]
