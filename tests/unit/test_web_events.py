"""The event hub of the web server: fan-out from the feed's thread, narrowing by type, a slow listener's loss."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from hpdp.domain.events import Event
from hpdp.presentation.web.events import EventHub, Listener


def run_loop(coroutine):  # type: ignore[no-untyped-def]
    """The coroutine on an event loop of its own thread, as a server's is (a browser test may hold this one's)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


class ThreadFeed:
    """A feed whose events come from another thread, as the container's does."""

    def __init__(self) -> None:
        self.subscribers: list = []

    def subscribe(self, callback):  # type: ignore[no-untyped-def]
        self.subscribers.append(callback)
        return lambda: self.subscribers.remove(callback)

    def emit(self, *types: str) -> None:
        def run() -> None:
            for t in types:
                for callback in list(self.subscribers):
                    callback(Event(t, datetime(2024, 1, 1, tzinfo=UTC), {"run_id": "r1"}))

        thread = threading.Thread(target=run)
        thread.start()
        thread.join()


def test_events_from_the_feed_thread_reach_each_listener_that_wants_them() -> None:
    feed = ThreadFeed()
    hub = EventHub(lambda: feed)

    async def scenario() -> tuple[list[dict], list[dict]]:
        with hub.listen() as everything, hub.listen(("run.*",)) as runs:
            feed.emit("snapshot.created", "run.started")
            got_all = [await everything.next(), await everything.next()]
            got_runs = [await runs.next()]
            return got_all, got_runs

    got_all, got_runs = run_loop(scenario())
    assert [e["type"] for e in got_all] == ["snapshot.created", "run.started"]
    assert got_runs == [{"type": "run.started", "at": "2024-01-01T00:00:00Z", "run_id": "r1"}]
    hub.close()
    assert feed.subscribers == []


def test_a_slow_listener_loses_its_oldest_events_and_is_told_how_many() -> None:
    async def scenario() -> list[dict]:
        listener = Listener(backlog=3)
        for n in range(5):
            listener.offer({"type": "run.queued", "n": n})
        return [await listener.next() for _ in range(4)]

    notice, *kept = run_loop(scenario())
    assert notice["type"] == "events.dropped" and notice["count"] == 2
    assert [e["n"] for e in kept] == [2, 3, 4]
