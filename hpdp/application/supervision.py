"""Supervision of the platform's processes: start each, restart one that dies with a growing delay, stop all.

The rule lives here, apart from how a process is started or signalled (a `Launch` callable and the
`AbstractChild` port), so `hpdp up` and a later one-role start share it and tests drive it with a fake clock.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from hpdp.application.events import AbstractEventBus, NullEventBus

RESTART_EVENT = "platform.restarted"
KEEP_RESTARTS = 20  # newest restarts kept in the status


@dataclass(frozen=True)
class Backoff:
    """Delay before the n-th restart in a row: `first_s` doubling up to `max_s`; a child that stayed up
    `reset_after_s` starts again from `first_s`."""

    first_s: float = 1.0
    factor: float = 2.0
    max_s: float = 30.0
    reset_after_s: float = 60.0

    def delay(self, streak: int) -> float:
        return min(self.max_s, self.first_s * self.factor**streak)


@dataclass(frozen=True)
class ChildSpec:
    """One process of the platform: its command, environment, log file and a probe that says it answers."""

    name: str
    command: Sequence[str]
    env: Mapping[str, str] = field(default_factory=dict, repr=False)  # may hold a part's secrets
    log: Path | None = None  # None: the child writes to this terminal
    ready: Callable[[], bool] = lambda: True


class AbstractChild(ABC):
    """A started process (with whatever processes it started)."""

    pid: int

    @abstractmethod
    def exit_code(self) -> int | None:
        """None while the process runs."""

    @abstractmethod
    def stop(self) -> None:
        """Ask the process and its helpers to end."""

    @abstractmethod
    def gone(self) -> bool:
        """Whether the process and every helper it started have ended."""

    @abstractmethod
    def kill(self) -> None:
        """End the process and every helper it started, now."""


Launch = Callable[[ChildSpec], AbstractChild]


@dataclass
class ChildState:
    spec: ChildSpec
    process: AbstractChild | None = None
    started_at: float = 0.0
    restarts: int = 0
    streak: int = 0  # restarts in a row without staying up `reset_after_s`
    restart_at: float | None = None
    last_exit: int | None = None

    def view(self) -> dict[str, object]:
        running = self.process is not None and self.process.exit_code() is None
        return {
            "name": self.spec.name,
            "pid": self.process.pid if self.process is not None else None,
            "state": "running" if running else "restarting" if self.restart_at is not None else "stopped",
            "restarts": self.restarts,
            "last_exit": self.last_exit,
            "log": None if self.spec.log is None else str(self.spec.log),
        }


class Supervisor:
    """Keeps every child running until `stop()`; `check()` is one step, called every fraction of a second."""

    def __init__(
        self,
        specs: Sequence[ChildSpec],
        launch: Launch,
        *,
        backoff: Backoff | None = None,
        clock: Callable[[], float] = time.monotonic,
        say: Callable[[str], None] = print,
        events: AbstractEventBus | None = None,
        report: Callable[[dict[str, object]], None] = lambda status: None,
    ) -> None:
        self.children = [ChildState(spec) for spec in specs]
        self.launch = launch
        self.backoff = backoff or Backoff()
        self.clock = clock
        self.say = say
        self.events = events or NullEventBus()
        self.report = report
        self.restarts: list[dict[str, object]] = []
        self.stopping = False

    def start(self) -> None:
        for child in self.children:
            self._start(child)
        self._report()

    def _start(self, child: ChildState) -> None:
        child.process = self.launch(child.spec)
        child.started_at = self.clock()
        child.restart_at = None

    def not_ready(self) -> list[str]:
        """Names of the children that do not answer yet."""
        return [c.spec.name for c in self.children if not c.spec.ready()]

    def exited(self) -> list[ChildState]:
        return [c for c in self.children if c.process is not None and c.process.exit_code() is not None]

    def check(self) -> None:
        """Schedule a restart for each child that ended; start each whose delay is over."""
        if self.stopping:
            return
        now = self.clock()
        changed = False
        for child in self.children:
            code = None if child.process is None else child.process.exit_code()
            if child.restart_at is None and code is not None:
                self._plan_restart(child, code, now)
                changed = True
            elif child.restart_at is not None and now >= child.restart_at:
                self._start(child)
                changed = True
        if changed:
            self._report()

    def _plan_restart(self, child: ChildState, code: int, now: float) -> None:
        assert child.process is not None
        child.process.kill()  # helpers it left behind would hold its port
        if now - child.started_at >= self.backoff.reset_after_s:
            child.streak = 0
        delay = self.backoff.delay(child.streak)
        child.streak += 1
        child.restarts += 1
        child.last_exit = code
        child.restart_at = now + delay
        name = child.spec.name
        self.say(f"{name} exited (code {code}); restarting in {delay:g} s")
        self.events.publish(RESTART_EVENT, child=name, code=code, delay_s=f"{delay:g}")
        self.restarts = [{"child": name, "code": code, "delay_s": delay, "at": time.time()}, *self.restarts]
        del self.restarts[KEEP_RESTARTS:]

    def stop(self, grace_s: float = 12.0, wait: Callable[[float], None] = time.sleep) -> list[str]:
        """Ask every child to stop, wait up to `grace_s` for each process tree to end, kill what remains.
        Returns the names of the children that had to be killed."""
        self.stopping = True
        running = [c for c in self.children if c.process is not None]
        for child in running:
            child.restart_at = None
            assert child.process is not None
            child.process.stop()
        deadline = self.clock() + grace_s
        while any(not c.process.gone() for c in running if c.process) and self.clock() < deadline:
            wait(0.1)
        killed = []
        for child in running:
            assert child.process is not None
            if not child.process.gone():
                child.process.kill()
                killed.append(child.spec.name)
        self._report(stopped=True)
        return killed

    def status(self, *, stopped: bool = False) -> dict[str, object]:
        return {
            "running": not stopped,
            "children": [c.view() for c in self.children],
            "restarts": list(self.restarts),
        }

    def _report(self, *, stopped: bool = False) -> None:
        self.report(self.status(stopped=stopped))
