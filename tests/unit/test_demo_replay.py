"""The demo API's release clock: whole ticks, distinct increasing timestamps, strict `since`."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
import pytest

from hpdp.presentation.demo_api.replay import Replay, iso, parse_moment

HOURS = ["2013-01-01T10:00:00Z"] * 4 + ["2013-01-01T11:00:00Z"] * 4 + ["2013-01-01T12:00:00Z"] * 2
FLIGHTS = pa.table({"flight": list(range(10)), "time_hour": HOURS})
WEATHER_HOURS = ["2013-01-01T10:00:00Z", "2013-01-01T11:00:00Z", "2013-01-01T12:00:00Z"]
WEATHER = pa.table({"origin": ["EWR", "JFK"] * 3, "time_hour": [h for h in WEATHER_HOURS for _ in "ab"]})


class HandClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def replay(clock: HandClock) -> Replay:
    origin = datetime(2026, 1, 1, tzinfo=UTC)
    return Replay(FLIGHTS, WEATHER, initial=3, rate=2.0, tick=1.5, clock=clock, origin=origin)


def test_flights_come_out_a_whole_tick_at_a_time_and_stop_at_the_end() -> None:
    clock = HandClock()
    r = replay(clock)
    seen = []
    for elapsed in (0, 1.4, 1.5, 2.9, 3.0, 60):
        clock.now = 100 + elapsed
        seen.append(r.released())
    assert seen == [3, 3, 6, 6, 9, 10]


def test_updated_at_increases_with_id_and_since_is_strict() -> None:
    r = replay(HandClock())
    stamps = [r.updated_at(i) for i in range(10)]
    assert stamps == sorted(set(stamps))
    assert iso(stamps[2]) == "2026-01-01T00:00:00.000000Z"  # the last initial flight: due at the start
    assert r.first_after(parse_moment(iso(stamps[4])), 10) == 5
    assert r.first_after(None, 10) == 0
    assert [row["id"] for row in r.flight_rows(4, 6)] == [4, 5]


def test_weather_is_visible_up_to_the_newest_released_flight() -> None:
    clock = HandClock()
    r = replay(clock)
    assert r.weather_visible() == 2
    clock.now += 1.5
    assert r.weather_visible() == 4
    assert r.weather_after("2013-01-01T10:00:00Z", 4) == 2


def test_a_rate_beyond_the_limit_is_refused() -> None:
    with pytest.raises(ValueError, match="rate must be above 0"):
        Replay(FLIGHTS, WEATHER, rate=0)
