"""Every service publishes what it does on the workspace's event bus: loads, runs, schedules and writes."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from hpdp.adapters.memory_runs import FakeRunner, FakeTracker
from hpdp.adapters.sources.memory import MemorySource
from hpdp.domain.events import EVENT_TYPES, Event
from hpdp.domain.runs import RunRequest, Schedule
from hpdp.domain.sources import SourceError, SourceSpec
from hpdp.infrastructure.container import Container
from hpdp.infrastructure.settings import load_settings
from tests.notebook_factory import SMALL, write_notebook


def collect(container: Container) -> tuple[list[Event], threading.Condition]:
    seen: list[Event] = []
    changed = threading.Condition()

    def on_event(event: Event) -> None:
        with changed:
            seen.append(event)
            changed.notify_all()

    container.event_feed().subscribe(on_event)
    return seen, changed


def wait_for(seen: list[Event], changed: threading.Condition, types: list[str]) -> list[str]:
    deadline = time.monotonic() + 30
    with changed:
        while [e.type for e in seen] != types and time.monotonic() < deadline:
            changed.wait(deadline - time.monotonic())
        return [e.type for e in seen]


def test_loads_runs_schedules_and_writes_publish_their_events(workspace: Path, tmp_path: Path) -> None:
    spec = SourceSpec(name="s", kind="memory", url="memory://s", table="t", options={"pages": [[{"id": 1}]]})
    broken = SourceSpec(name="b", kind="memory", url="memory://b", table="u")

    def open_source(spec: SourceSpec) -> MemorySource:
        if spec.name == "b":
            raise SourceError("The server answered 500 three times.")
        return MemorySource(spec)

    container = Container(
        load_settings(home=workspace, tracker="memory"),
        open_source=open_source,
        runner=FakeRunner(),
        tracker=FakeTracker(),
    )
    container.ingestion()._catalog = lambda: {"s": spec, "b": broken}  # a catalog without a sources file
    notebook = write_notebook(tmp_path / "nb.ipynb", SMALL)
    with container:
        seen, changed = collect(container)
        container.ingestion().ingest("s")
        with pytest.raises(SourceError):
            container.ingestion().ingest("b")
        container.workbench().write("w", {"x": [1]})
        run = container.runs().run(RunRequest(notebook=str(notebook)))
        schedules = container.schedules()
        schedules.add(Schedule(name="nightly", notebook=str(notebook), cron="0 3 * * *"))
        schedules.pause("nightly")
        schedules.resume("nightly")
        schedules.remove("nightly")
        expected = [
            "load.started",
            "snapshot.created",
            "load.finished",
            "load.started",
            "snapshot.created",  # the failed load's history row
            "load.failed",
            "snapshot.created",
            "run.queued",
            "run.started",
            "run.finished",
            "schedule.changed",
            "schedule.changed",
            "schedule.changed",
            "schedule.changed",
        ]
        assert wait_for(seen, changed, expected) == expected
    assert set(expected) <= set(EVENT_TYPES)
    finished = seen[9]
    assert finished.type == "run.finished"
    assert finished.ids["run_id"] == run.id
    assert [e.ids.get("change") for e in seen[-4:]] == ["added", "paused", "resumed", "removed"]
    assert seen[1].ids["tables"] == "t" and seen[6].ids["tables"] == "w"
    assert seen[4].ids["tables"] == "_hpdp_loads" and seen[5].ids["code"] == "source_failed"
