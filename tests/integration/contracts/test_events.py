"""The event bus contract, run against the workspace's SQLite file and against a real Redis server."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from hpdp.application.events import AbstractEventBus, EventFeed, EventOptions
from hpdp.infrastructure.registries import EVENT_BUSES, Registries

KINDS: dict[str, tuple[pytest.MarkDecorator, ...]] = {"local": (), "redis": (pytest.mark.redis_queue,)}
assert set(KINDS) == set(EVENT_BUSES), "every built-in event bus needs a case in the contract suite"


def _options(kind: str, workspace: Path, name: str) -> EventOptions:
    if kind == "local":
        return EventOptions(workspace)
    from tests.conftest import need_server

    return EventOptions(workspace, need_server("HPDP_TEST_REDIS_URL", "Redis"), name)


@pytest.fixture(params=[pytest.param(k, marks=m, id=k) for k, m in KINDS.items()])
def kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def options(kind: str, workspace: Path) -> EventOptions:
    return _options(kind, workspace, f"t{uuid.uuid4().hex[:10]}")


@pytest.fixture
def bus(kind: str, options: EventOptions) -> Iterator[AbstractEventBus]:
    opened = Registries().event_buses.get(kind)(options)
    yield opened
    opened.close()


def test_a_reader_sees_what_is_published_after_it_started_in_order(bus: AbstractEventBus) -> None:
    bus.publish("load.started", source="before")
    _, cursor = bus.read(None)
    bus.publish("load.started", source="flights", load_id="l1")
    bus.publish("load.finished", source="flights", load_id="l1", rows=3, snapshot=None)
    events, cursor = bus.read(cursor, timeout_s=5)
    assert [(e.type, dict(e.ids)) for e in events] == [
        ("load.started", {"source": "flights", "load_id": "l1"}),
        ("load.finished", {"source": "flights", "load_id": "l1", "rows": 3}),
    ]
    assert bus.read(cursor) == ([], cursor)
    assert events[0].to_dict()["at"].endswith("Z")


def test_an_event_published_by_another_process_arrives(kind: str, options: EventOptions, bus: AbstractEventBus) -> None:
    _, cursor = bus.read(None)
    script = textwrap.dedent(
        f"""
        from pathlib import Path
        from hpdp.application.events import EventOptions
        from hpdp.infrastructure.registries import Registries
        options = EventOptions(Path({str(options.home)!r}), {options.redis_url!r}, {options.name!r})
        bus = Registries().event_buses.get({kind!r})(options)
        bus.publish("run.queued", run_id="r-other")
        bus.close()
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
    events, _ = bus.read(cursor, timeout_s=10)
    assert [(e.type, e.ids["run_id"]) for e in events] == [("run.queued", "r-other")]


def test_a_feed_calls_each_subscriber_until_it_unsubscribes(bus: AbstractEventBus) -> None:
    feed = EventFeed(bus, poll_s=0.1)
    seen: list[str] = []
    arrived = threading.Event()

    def on_event(event: object) -> None:
        seen.append(event.type)  # type: ignore[attr-defined]
        arrived.set()

    stop = feed.subscribe(on_event)
    try:
        bus.publish("snapshot.created", tables="t", snapshot=4)
        assert arrived.wait(10)
        stop()
        arrived.clear()
        bus.publish("snapshot.created", tables="t", snapshot=5)
        second = feed.subscribe(lambda e: arrived.set())
        bus.publish("snapshot.created", tables="t", snapshot=6)
        assert arrived.wait(10)
        second()
    finally:
        feed.close()
    assert seen == ["snapshot.created"]


def test_a_bus_that_cannot_write_does_not_fail_the_task(bus: AbstractEventBus) -> None:
    bus.close()
    bus.publish("run.queued", run_id="after-close")  # logged and dropped
