"""Every source kind into every write mode, each against its real server on 127.0.0.1."""

from __future__ import annotations

from typing import Any

import pytest

from hpdp.domain.sources import PaginationError, SourceError
from tests.integration.sources.api import item, stamp
from tests.integration.sources.conftest import ids

QUERY = """
query Items($after: String, $since: String) {
  items(first: 10, after: $after, since: $since) {
    totalCount
    edges { node { id name updatedAt price tags owner { name zip } } }
    pageInfo { endCursor hasNextPage }
  }
}"""


def spec(kind: str, urls: dict[str, str], **extra: Any) -> dict[str, Any]:
    base = {
        "rest": {"url": f"{urls['api']}/next_link", "records": "data", "pagination": {"type": "next_link"}},
        "graphql": {"url": f"{urls['api']}/graphql/", "query": QUERY, "records": "items"},
        "odata": {"url": f"{urls['api']}/odata/Items"},
        "websocket": {
            "url": urls["ws"],
            "records": "data",
            "subscribe": {"type": "subscribe", "channel": "items"},
            "close_on": {"type": "complete"},
            "batch_size": 10,
            "max_seconds": 20,
        },
        "flight": {"url": urls["flight"], "command": "items"},
    }[kind]
    return {"kind": kind, "table": "items", **base, **extra}


@pytest.fixture
def urls(api_url: str, ws_url: str, flight_url: str) -> dict[str, str]:
    return {"api": api_url, "ws": ws_url, "flight": flight_url}


KINDS = ["rest", "graphql", "odata", "websocket", "flight"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("mode", "expected"), [("append", 50), ("replace", 25), ("merge", 25)])
def test_each_kind_loads_into_each_write_mode(open_hp, urls, kind, mode, expected):
    hp = open_hp({"items": spec(kind, urls, mode=mode, key="id" if mode == "merge" else None)})
    first = hp.ingest("items")
    assert first.rows == 25
    hp.ingest("items")
    counts = hp.sql("SELECT count(*) AS n, count(DISTINCT id) AS d FROM items", format="arrow").to_pylist()
    assert counts == [{"n": expected, "d": 25}]
    row = hp.sql("SELECT owner.zip AS zip, tags[2] AS tag FROM items WHERE id = 7 LIMIT 1", format="arrow")
    assert row.to_pylist() == [{"zip": "1007", "tag": "all"}]


@pytest.mark.parametrize("kind", ["graphql", "odata", "websocket", "flight"])
def test_each_kind_loads_incrementally_from_its_cursor(open_hp, api, urls, kind):
    field = "updatedAt" if kind == "graphql" else "updated_at"
    inc = {"field": field, "param": "since", "lag": "5m"}
    command = {"command": "items since={since}"} if kind == "flight" else {}
    hp = open_hp({"items": spec(kind, urls, mode="merge", key="id", incremental=inc, **command)})
    hp.ingest("items")
    api.items.extend([item(30), item(31, minutes=22)])  # a new row and a late one inside the lookback
    record = hp.ingest("items")
    assert record.rows == 8  # 00:20 onwards: rows 20..25, the late row and the new one
    assert ids(hp) == [*range(1, 26), 30, 31]
    cursor = hp.ingestion.cursor("items")
    assert cursor.replace("T", " ").startswith(stamp(30).replace("T", " ")[:19])


def test_graphql_stops_early_against_total_count_is_an_error(open_hp, api, urls):
    api.short = True
    hp = open_hp({"items": spec("graphql", urls)})
    with pytest.raises(PaginationError, match="declared 25 rows but the pages held 10"):
        hp.ingest("items")


def test_graphql_cursor_that_loops_is_an_error(open_hp, api, urls):
    api.loop = True
    hp = open_hp({"items": spec("graphql", urls)})
    with pytest.raises(PaginationError, match="same page twice"):
        hp.ingest("items")


def test_odata_count_that_does_not_match_is_an_error(open_hp, api, urls):
    api.short = True  # @odata.count claims five more rows than the pages hold
    hp = open_hp({"items": spec("odata", urls)})
    with pytest.raises(PaginationError, match="declared 30 rows but the pages held 25"):
        hp.ingest("items")
    assert not hp.store.has_table("items")


def test_odata_select_keeps_only_the_named_fields(open_hp, api, urls):
    hp = open_hp({"items": spec("odata", urls, select=["id", "name"])})
    hp.ingest("items")
    assert hp.sql("SELECT * FROM items LIMIT 1", format="arrow").column_names == ["id", "name"]
    assert "%24select=id%2Cname" in api.requests[0]


def test_websocket_stops_after_max_messages(open_hp, feed, urls):
    feed.repeat, feed.complete = True, False
    hp = open_hp({"items": spec("websocket", urls, max_messages=40)})
    assert hp.ingest("items").rows == 39  # the acknowledgement counts as a message and holds no records


def test_websocket_stops_after_max_seconds(open_hp, feed, urls):
    feed.complete = False
    hp = open_hp({"items": spec("websocket", urls, max_seconds=1.0)})
    assert hp.ingest("items").rows == 25


def test_flight_ticket_loads_with_arrow_types(open_hp, urls):
    hp = open_hp({"items": spec("flight", urls, command=None, ticket="items")})
    assert hp.ingest("items").rows == 25
    types = hp.sql("SELECT typeof(updated_at) AS t FROM items LIMIT 1", format="arrow").to_pylist()
    assert types == [{"t": "TIMESTAMP"}]


def test_flight_total_records_that_do_not_match_is_an_error(open_hp, flight_server, urls):
    flight_server.extra_total = 3
    hp = open_hp({"items": spec("flight", urls)})
    with pytest.raises(PaginationError, match="declared 28 rows"):
        hp.ingest("items")


def test_a_graphql_error_answer_fails_the_load_with_its_message(open_hp, urls):
    query = "query($after: String) { items(after: $after) { nope } }"
    hp = open_hp({"items": spec("graphql", urls, query=query)})
    with pytest.raises(SourceError, match="'items' answered an error: Cannot query field 'nope'"):
        hp.ingest("items")
