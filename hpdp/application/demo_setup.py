"""First start of an empty workspace: a sources catalog for the demo API, notebooks, two schedules and an
experiment spec, so a fresh `hpdp up` shows ingests, runs and an experiment within minutes.

Only an empty workspace is seeded (no sources catalog, no tables, no schedules, none of the files); any
other is left alone and the plan says why, so seeding twice changes nothing. Schedules go through the
schedule service and the catalog entries through the catalog's own check, so their rules stay in one place.
The catalog is written last: a seeding stopped halfway leaves no catalog and the next start tries again.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hpdp.application.schedules import ScheduleService
from hpdp.domain.runs import Schedule

INGEST_NOTEBOOK = "notebooks/ingest_source.ipynb"
PROFILE_NOTEBOOK = "notebooks/profile_table.ipynb"
EXPERIMENT_SPEC = "experiments/flight_delays.yaml"
INGEST_SCHEDULE, PROFILE_SCHEDULE = "demo-ingest", "demo-profile"
FLIGHTS, WEATHER, LIVE = "demo_flights", "demo_weather", "demo_live"
FIRST_LOADS = (FLIGHTS, WEATHER)  # loaded once at the first start; the live feed waits for its schedule
WEATHER_FIELDS = (
    "origin year month day hour temp dewp humid wind_dir wind_speed wind_gust precip pressure visib time_hour"
)


def loads_from_demo(source_names: Iterable[str]) -> bool:
    """Whether a sources catalog with these names loads from the demo API (so the API must run)."""
    return bool({FLIGHTS, WEATHER, LIVE} & set(source_names))


def demo_sources(api_url: str) -> dict[str, dict[str, Any]]:
    """The catalog entries of the demo API: every one incremental, merged on its key."""
    base = api_url.rstrip("/")
    return {
        FLIGHTS: {
            "kind": "rest",
            "url": f"{base}/flights",
            "records": "data",
            "pagination": {"type": "next_link", "path": "next", "total": "total"},
            "params": {"per_page": 1000},
            "incremental": {"field": "updated_at", "param": "since"},
            "table": "flights",
            "mode": "merge",
            "key": "id",
        },
        WEATHER: {
            "kind": "graphql",
            "url": f"{base}/graphql",
            "records": "weather",
            "query": (
                "query($after: String, $since: String) { weather(first: 1000, after: $after, since: $since) "
                f"{{ totalCount edges {{ node {{ {WEATHER_FIELDS} }} }} pageInfo {{ endCursor hasNextPage }} }} }}"
            ),
            "incremental": {"field": "time_hour", "param": "since"},
            "table": "weather",
            "mode": "merge",
            "key": ["origin", "time_hour"],
        },
        LIVE: {
            "kind": "websocket",
            "url": base.replace("http", "ws", 1) + "/flights/live",
            "subscribe": {"type": "subscribe"},
            "records": "data",
            "close_on": {"type": "complete"},
            "max_seconds": 15,
            "incremental": {"field": "updated_at", "param": "since"},
            "table": "flights_live",
            "mode": "merge",
            "key": "id",
        },
    }


@dataclass(frozen=True)
class DemoPlan:
    """What seeding created, or why it left the workspace alone."""

    home: Path
    created: tuple[str, ...] = ()
    left_alone: str | None = None
    experiment: Path | None = None

    @property
    def seeded(self) -> bool:
        return self.left_alone is None

    def lines(self) -> list[str]:
        if not self.seeded:
            return [f"Demo not set up: {self.home} {self.left_alone}."]
        return [f"Demo set up in {self.home}:", *(f"  {item}" for item in self.created)]

    def __str__(self) -> str:
        return "\n".join(self.lines())


class DemoSetup:
    """`files` maps a path inside the workspace to the shipped file copied there."""

    def __init__(
        self,
        home: Path,
        catalog_file: Path,
        files: Mapping[str, Path],
        schedules: ScheduleService,
        tables: Callable[[], list[str]],
        check_sources: Callable[[dict[str, dict[str, Any]]], object],
    ) -> None:
        self.home = home
        self.catalog_file = catalog_file
        self.files = dict(files)
        self.schedules = schedules
        self.tables = tables
        self.check_sources = check_sources

    def seed(self, api_url: str) -> DemoPlan:
        reason = self._not_empty()
        if reason is not None:
            return DemoPlan(self.home, left_alone=reason)
        sources = demo_sources(api_url)
        self.check_sources(sources)
        created = [self._copy(target, source) for target, source in self.files.items()]
        created += [self._schedule(s) for s in self._demo_schedules()]
        self._write_catalog(sources)
        created.append(f"{self.catalog_file}: sources {', '.join(sources)} from {api_url}")
        return DemoPlan(self.home, tuple(created), experiment=self.home / EXPERIMENT_SPEC)

    def _not_empty(self) -> str | None:
        if self.catalog_file.exists():
            return f"has a sources catalog ({self.catalog_file.name})"
        taken = [t for t in self.files if (self.home / t).exists()]
        if taken:
            return f"already has {taken[0]}"
        if self.schedules.list_schedules():
            return "has schedules"
        data = [t for t in self.tables() if not t.startswith("_")]
        if data:
            return f"holds tables ({', '.join(sorted(data)[:3])})"
        return None

    def _copy(self, target: str, source: Path) -> str:
        path = self.home / target
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, path)
        return f"{path}"

    def _demo_schedules(self) -> list[Schedule]:
        return [
            Schedule(name=INGEST_SCHEDULE, notebook=str(self.home / INGEST_NOTEBOOK), cron="* * * * *"),
            Schedule(
                name=PROFILE_SCHEDULE,
                notebook=str(self.home / PROFILE_NOTEBOOK),
                cron="*/5 * * * *",
                parameters={"table": "flights"},
            ),
        ]

    def _schedule(self, schedule: Schedule) -> str:
        self.schedules.add(schedule)
        return f"schedule {schedule.name}: {Path(schedule.notebook).name} at cron '{schedule.cron}'"

    def _write_catalog(self, sources: dict[str, dict[str, Any]]) -> None:
        import yaml

        header = "# The demo API's sources, written on the first start of this workspace.\n"
        self.catalog_file.parent.mkdir(parents=True, exist_ok=True)
        partial = self.catalog_file.with_suffix(".yaml.partial")
        partial.write_text(header + yaml.safe_dump({"sources": sources}, sort_keys=False, width=1000))
        partial.replace(self.catalog_file)
