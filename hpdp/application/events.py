"""The event port: what happened, shared by every process of one workspace, and a feed that fans it out.

A bus keeps events in order with a cursor per reader; `read(after=None)` starts at the newest, so a reader sees
what happens from then on. Publishing never fails a task: an event that cannot be written is logged and dropped.
"""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hpdp.application.clock import Clock, utcnow
from hpdp.domain.events import Event

log = logging.getLogger(__name__)


class AbstractEventBus(ABC):
    def __init__(self, clock: Clock = utcnow) -> None:
        self.clock = clock

    def publish(self, type: str, **ids: str | int | None) -> None:
        event = Event(type, self.clock(), {k: v for k, v in ids.items() if v is not None})
        try:
            self._append(event)
        except Exception:  # events inform; the task that emitted one goes on
            log.warning("event %s could not be published", type, exc_info=True)

    @abstractmethod
    def _append(self, event: Event) -> None: ...

    @abstractmethod
    def read(self, after: str | None, timeout_s: float = 0.0) -> tuple[list[Event], str]:
        """Events after the cursor `after` (None: from now on), waiting up to `timeout_s` for the first one;
        with the cursor to pass next time."""

    def close(self) -> None:  # noqa: B027 - buses without a connection have nothing to release
        """Release connections (the default holds none)."""


class NullEventBus(AbstractEventBus):
    """Publishes nowhere (a workbench used as a library without a workspace bus)."""

    def _append(self, event: Event) -> None:
        pass

    def read(self, after: str | None, timeout_s: float = 0.0) -> tuple[list[Event], str]:
        return [], after or ""


Subscriber = Callable[[Event], None]


class EventFeed:
    """One thread reading the bus and calling each subscriber with each event (on that thread)."""

    def __init__(self, bus: AbstractEventBus, poll_s: float = 0.5) -> None:
        self.bus = bus
        self.poll_s = poll_s
        self._subscribers: dict[int, Subscriber] = {}
        self._lock = threading.Lock()
        self._next = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.cursor: str | None = None

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call `callback` for every event from now on; returns the function that stops it."""
        with self._lock:
            key = self._next
            self._next += 1
            self._subscribers[key] = callback
            if self._thread is None:
                self.cursor = self.bus.read(None)[1]
                self._thread = threading.Thread(target=self._run, name="hpdp-events", daemon=True)
                self._thread.start()
        return lambda: self._unsubscribe(key)

    def _unsubscribe(self, key: int) -> None:
        with self._lock:
            self._subscribers.pop(key, None)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                events, self.cursor = self.bus.read(self.cursor, timeout_s=self.poll_s)
            except Exception:
                log.warning("the event bus could not be read; trying again", exc_info=True)
                self._stop.wait(self.poll_s)
                continue
            with self._lock:
                subscribers = list(self._subscribers.values())
            for event in events:
                for callback in subscribers:
                    try:
                        callback(event)
                    except Exception:
                        log.warning("an event subscriber failed", exc_info=True)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)


@dataclass(frozen=True)
class EventOptions:
    """What every event bus factory receives from the composition root."""

    home: Path
    redis_url: str | None = None
    name: str = "hpdp"  # the workspace's name on a shared server (the Redis stream is `<name>:events`)
    clock: Clock = utcnow
