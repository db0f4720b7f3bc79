"""REST ingestion against a real Starlette API on 127.0.0.1: pagination styles, checks and write modes."""

from __future__ import annotations

import pytest

from hpdp.domain.errors import ConfigError
from hpdp.domain.sources import LoadStatus, PaginationError
from tests.integration.sources.api import item
from tests.integration.sources.conftest import ids

STYLES = {
    "next_link": {
        "records": "data",
        "pagination": {"type": "next_link", "path": "next", "total": "meta.total"},
    },
    "link_header": {"pagination": {"type": "link_header"}},
    "cursor": {
        "records": "items",
        "pagination": {"type": "cursor", "path": "next_cursor", "param": "cursor"},
    },
    "offset": {"records": "results", "pagination": {"type": "offset", "limit": 10, "total": "count"}},
    "page": {"records": "data", "pagination": {"type": "page", "param": "page"}},
}


def source(api_url: str, style: str = "next_link", **extra):
    return {"kind": "rest", "url": f"{api_url}/{style}", "table": "items", **STYLES[style], **extra}


@pytest.mark.parametrize("style", list(STYLES))
def test_every_pagination_style_loads_every_row_once(open_hp, api_url, style):
    hp = open_hp({"items": source(api_url, style)})
    record = hp.ingest("items")
    assert record.rows == 25 and record.status is LoadStatus.OK
    assert record.pages >= 3
    assert ids(hp) == list(range(1, 26))


def test_prefetching_the_next_page_loads_the_same_rows(open_hp, api, api_url):
    api.slow_page = (2, 0.2)
    hp = open_hp({"items": source(api_url, prefetch=True)})
    assert hp.ingest("items").pages == 3
    assert ids(hp) == list(range(1, 26))


def test_nested_objects_become_structs_and_lists_become_lists(open_hp, api_url):
    hp = open_hp({"items": source(api_url)})
    hp.ingest("items")
    row = hp.sql(
        "SELECT owner.name AS owner, tags[1] AS tag, typeof(owner) AS t, typeof(tags) AS l FROM items WHERE id = 5",
        format="arrow",
    ).to_pylist()[0]
    assert row == {"owner": "o1", "tag": "t2", "t": 'STRUCT("name" VARCHAR, zip VARCHAR)', "l": "VARCHAR[]"}


@pytest.mark.parametrize(("mode", "expected"), [("append", 50), ("replace", 25), ("merge", 25)])
def test_write_modes_on_a_second_load(open_hp, api_url, mode, expected):
    hp = open_hp({"items": source(api_url, mode=mode, key="id" if mode == "merge" else None)})
    hp.ingest("items")
    hp.ingest("items")
    assert hp.sql("SELECT count(*) AS n, count(DISTINCT id) AS d FROM items", format="arrow").to_pylist() == [
        {"n": expected, "d": 25}
    ]


def test_one_load_is_one_snapshot_holding_data_cursor_and_history(open_hp, api_url):
    hp = open_hp({"items": source(api_url, incremental={"field": "updated_at", "param": "since"})})
    before = hp.current_snapshot()
    record = hp.ingest("items")
    hp.close()  # the ledger's record of the load is written too: it adds no snapshot a user lists
    hp = open_hp()
    [load] = [s for s in hp.snapshots() if s.id > before]
    assert load.id == record.snapshot == hp.current_snapshot()
    assert load.tables == ("_hpdp_cursors", "_hpdp_loads", "items")
    assert hp.ingestion.cursor("items") == "2024-01-01T00:25:00Z"
    assert [t.name for t in hp.tables()] == ["items"]  # state tables stay hidden
    hp.write("other", [{"x": 1}])  # a later commit does not change the snapshot the history names
    assert hp.ingestion.loads("items")[0].snapshot == record.snapshot < hp.current_snapshot()


def test_a_looping_next_link_fails_the_load_and_writes_nothing(open_hp, api, api_url):
    api.loop = True
    hp = open_hp({"items": source(api_url)})
    with pytest.raises(PaginationError, match="same page twice"):
        hp.ingest("items")
    assert not hp.store.has_table("items")
    assert hp.ingestion.loads("items")[0].status is LoadStatus.FAILED


def test_a_page_number_the_server_ignores_is_caught_as_a_loop(open_hp, api, api_url):
    api.loop = True
    hp = open_hp({"items": source(api_url, "page", pagination={"type": "page", "limit": 10})})
    with pytest.raises(PaginationError, match="same page twice in a row"):
        hp.ingest("items")
    assert not hp.store.has_table("items")


def test_a_looping_cursor_token_is_caught(open_hp, api, api_url):
    api.loop = True
    hp = open_hp({"items": source(api_url, "cursor")})
    with pytest.raises(PaginationError, match="same page twice"):
        hp.ingest("items")


def test_a_paginator_that_stops_before_the_declared_total_fails(open_hp, api, api_url):
    hp = open_hp({"items": source(api_url, mode="merge", key="id")})
    hp.ingest("items")
    api.items.append({**api.items[0], "id": 99})
    api.short = True
    with pytest.raises(PaginationError, match="declared 26 rows but the pages held 10"):
        hp.ingest("items")
    assert ids(hp) == list(range(1, 26))


@pytest.mark.parametrize("style", ["next_link", "cursor", "offset", "page"])
def test_the_arrow_parser_loads_the_same_rows_with_timestamps_typed(open_hp, api_url, style):
    hp = open_hp({"items": source(api_url, style, parser="arrow", records=STYLES[style].get("records", "data"))})
    assert hp.ingest("items").rows == 25
    assert ids(hp) == list(range(1, 26))
    row = hp.sql(
        "SELECT owner.zip AS zip, tags[2] AS tag, typeof(updated_at) AS t FROM items WHERE id = 7",
        format="arrow",
    ).to_pylist()
    assert row == [{"zip": "1007", "tag": "all", "t": "TIMESTAMP"}]


def test_the_arrow_parser_keeps_the_checks_and_the_incremental_merge(open_hp, api, api_url):
    inc = {"field": "updated_at", "param": "since", "lag": "5m"}
    hp = open_hp({"items": source(api_url, parser="arrow", mode="merge", key="id", incremental=inc)})
    hp.ingest("items")
    assert hp.ingestion.cursor("items") == "2024-01-01T00:25:00"
    api.items.append(item(30))
    assert hp.ingest("items").rows == 7  # 00:20 onwards
    assert ids(hp) == [*range(1, 26), 30]
    api.loop = True
    with pytest.raises(PaginationError, match="same page twice"):
        hp.ingest("items", full_refresh=True)


def test_the_arrow_parser_needs_a_top_level_records_key(open_hp, api_url):
    hp = open_hp({"items": source(api_url, parser="arrow", records="data.rows")})
    with pytest.raises(ConfigError, match="parser: arrow, which needs `records` at a top-level key"):
        hp.ingest("items")


@pytest.mark.parametrize("style", ["next_link", "cursor", "offset", "page"])
def test_the_default_parser_gives_the_python_parsers_types_and_rows(open_hp, api_url, style):
    records = STYLES[style].get("records", "data")
    hp = open_hp(
        {
            "items": source(api_url, style, records=records),
            "py": {**source(api_url, style, parser="python", records=records), "table": "py"},
        }
    )
    hp.ingest("items")
    hp.ingest("py")
    schema = "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? ORDER BY 1"
    assert hp.sql(schema, ["items"], format="arrow").to_pylist() == hp.sql(schema, ["py"], format="arrow").to_pylist()
    assert hp.sql("SELECT typeof(updated_at) AS t FROM items LIMIT 1", format="arrow").to_pylist() == [{"t": "VARCHAR"}]
    diff = "SELECT count(*) AS n FROM ((FROM items EXCEPT FROM py) UNION ALL (FROM py EXCEPT FROM items))"
    assert hp.sql(diff, format="arrow").to_pylist() == [{"n": 0}]
