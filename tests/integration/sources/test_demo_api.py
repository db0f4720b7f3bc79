"""The demo API in uvicorn on loopback, its replay clock moved by hand, loaded through the seeded catalog."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from hpdp.application.demo_setup import demo_sources
from hpdp.application.workbench import Workbench
from hpdp.presentation.demo_api.app import build_app
from hpdp.presentation.demo_api.replay import Replay, iso, load_tables
from tests.integration.sources.servers import serve_asgi


class HandClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def tables() -> tuple[Any, Any]:
    return load_tables()


@pytest.fixture
def clock() -> HandClock:
    return HandClock()


@pytest.fixture
def replay(tables: tuple[Any, Any], clock: HandClock) -> Replay:
    return Replay(*tables, initial=30, rate=1.0, tick=1.0, clock=clock)


@pytest.fixture
def demo_url(replay: Replay) -> Iterator[str]:
    with serve_asgi(build_app(replay), ws="websockets-sansio") as url:
        yield url


@pytest.fixture
def catalog(demo_url: str) -> dict[str, Any]:
    """The seeded entries, with small pages so paging is exercised; the live feed reads one message."""
    sources = demo_sources(demo_url)
    sources["demo_flights"]["params"] = {"per_page": 7}
    sources["demo_weather"]["query"] = sources["demo_weather"]["query"].replace("first: 1000", "first: 9")
    sources["demo_live"].update(max_messages=1, max_seconds=120)
    sources["demo_live"]["incremental"]["initial"] = "2000-01-01T00:00:00Z"
    return sources


def rows(hp: Workbench, query: str) -> list[dict[str, Any]]:
    return hp.sql(query, format="arrow").to_pylist()


def test_rest_flights_load_incrementally_as_the_api_releases_more(
    open_hp: Callable[..., Workbench], catalog: dict[str, Any], clock: HandClock
) -> None:
    hp = open_hp(catalog)
    first = hp.ingest("demo_flights")
    assert (first.rows, first.pages) == (30, 5)
    clock.now = 20.5  # 20 more flights are out
    second = hp.ingest("demo_flights")
    assert second.rows == 20
    [table] = rows(hp, "SELECT count(*) AS n, count(DISTINCT id) AS ids, min(id) AS lo, max(id) AS hi FROM flights")
    assert table == {"n": 50, "ids": 50, "lo": 0, "hi": 49}
    assert hp.ingest("demo_flights").rows == 0  # nothing new: an empty load keeps the cursor
    assert hp.ingestion.cursor("demo_flights") == second_cursor(hp)


def second_cursor(hp: Workbench) -> str:
    [row] = rows(hp, "SELECT updated_at FROM flights WHERE id = 49")
    return row["updated_at"]


def test_graphql_weather_follows_the_released_flights(
    open_hp: Callable[..., Workbench], catalog: dict[str, Any], clock: HandClock, replay: Replay
) -> None:
    hp = open_hp(catalog)
    before = replay.weather_visible()
    assert before > 0
    assert hp.ingest("demo_weather").rows == before
    clock.now = 600  # flights of later hours are out, and the weather up to them
    after = replay.weather_visible()
    assert after > before
    assert hp.ingest("demo_weather").rows == after - before
    [table] = rows(hp, "SELECT count(*) AS n, count(DISTINCT (origin, time_hour)) AS keys FROM weather")
    assert table == {"n": after, "keys": after}


def test_websocket_feed_sends_the_flights_after_the_cursor(
    open_hp: Callable[..., Workbench], catalog: dict[str, Any], clock: HandClock
) -> None:
    hp = open_hp(catalog)
    assert hp.ingest("demo_live").rows == 30
    clock.now = 10.5
    assert hp.ingest("demo_live").rows == 10
    assert [r["id"] for r in rows(hp, "SELECT id FROM flights_live ORDER BY id")] == list(range(40))


def test_websocket_feed_pushes_flights_released_while_connected(
    demo_url: str, clock: HandClock, replay: Replay
) -> None:
    import orjson
    from websockets.sync.client import connect

    newest = iso(replay.updated_at(29))  # all 30 released flights are older: nothing to send yet
    with connect(demo_url.replace("http", "ws", 1) + "/flights/live", open_timeout=60) as ws:
        ws.send(orjson.dumps({"type": "subscribe", "since": newest}).decode())
        clock.now = 5.5
        message = orjson.loads(ws.recv(timeout=60))
    assert message["type"] == "flights"
    assert [r["id"] for r in message["data"]] == [30, 31, 32, 33, 34]


def test_rest_answers_a_bad_since_with_one_sentence(demo_url: str) -> None:
    import httpx

    response = httpx.get(f"{demo_url}/flights", params={"since": "yesterday"})
    assert response.status_code == 400
    assert response.json() == {"error": "since 'yesterday' is not an ISO-8601 timestamp"}
