"""Incremental loads: cursor with lookback, merge without duplicates, crash and re-run safety, schema."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from hpdp.domain.sources import SchemaDriftError, SourceError
from tests.integration.sources.api import item, stamp
from tests.integration.sources.conftest import ids, write_catalog
from tests.integration.sources.test_rest import source


def incremental(api_url: str, lag: str | None = None, **extra):
    inc = {"field": "updated_at", "param": "since", **({"lag": lag} if lag else {})}
    return source(api_url, mode="merge", key="id", incremental=inc, **extra)


def test_the_second_load_asks_only_from_the_cursor(open_hp, api, api_url):
    hp = open_hp({"items": incremental(api_url)})
    hp.ingest("items")
    api.items.append(item(30))
    api.requests.clear()
    record = hp.ingest("items")
    assert record.rows == 2  # the row at the cursor (inclusive) and the new one
    assert "since=2024-01-01T00%3A25%3A00Z" in api.requests[0]
    assert ids(hp) == [*range(1, 26), 30]
    assert hp.ingestion.cursor("items") == stamp(30)


def test_late_rows_are_caught_by_the_lookback_and_merge_never_duplicates(open_hp, api, api_url):
    hp = open_hp({"items": incremental(api_url, lag="10m")})
    hp.ingest("items")
    api.items.append(item(40, minutes=20))  # committed late with an older timestamp than the cursor (25)
    api.items.append(item(41, minutes=26))
    record = hp.ingest("items")
    assert record.rows == 13  # since 00:15: rows 15..25 again, the late row and the new one
    assert ids(hp) == [*range(1, 26), 40, 41]
    assert hp.sql("SELECT count(*) - count(DISTINCT id) AS dup FROM items", format="arrow").to_pylist() == [{"dup": 0}]


def test_without_a_lookback_a_late_row_is_missed(open_hp, api, api_url):
    hp = open_hp({"items": incremental(api_url)})
    hp.ingest("items")
    api.items.append(item(40, minutes=20))
    hp.ingest("items")
    assert 40 not in ids(hp)


def test_a_rerun_after_a_failure_loads_each_row_once(open_hp, api, api_url):
    hp = open_hp({"items": incremental(api_url)})
    hp.ingest("items")
    api.items.extend(item(i) for i in range(26, 51))
    api.faults = [(404, {})]
    with pytest.raises(SourceError):
        hp.ingest("items")
    assert hp.ingestion.cursor("items") == stamp(25)
    hp.ingest("items")
    assert ids(hp) == list(range(1, 51))


def test_full_refresh_ignores_the_cursor_and_replaces_the_table(open_hp, api, api_url):
    hp = open_hp({"items": incremental(api_url)})
    hp.ingest("items")
    del api.items[0]
    record = hp.ingest("items", full_refresh=True)
    assert record.rows == 24 and record.mode == "replace"
    assert ids(hp) == list(range(2, 26))


def test_a_killed_load_leaves_table_and_cursor_as_before_and_the_rerun_completes(open_hp, api, api_url, workspace):
    hp = open_hp({"items": incremental(api_url)})
    hp.ingest("items")
    snapshot, cursor = hp.current_snapshot(), hp.ingestion.cursor("items")
    hp.close()
    api.items.extend(item(i) for i in range(26, 76))
    api.stall_page = 3
    env = {**os.environ, "HPDP_HOME": str(workspace)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "hpdp", "ingest", "items"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert api.stall_started.wait(60), "the load never reached page 3"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=30)
    api.stall_page = None
    hp = open_hp()
    assert ids(hp) == list(range(1, 26))
    assert hp.ingestion.cursor("items") == cursor
    assert hp.current_snapshot() == snapshot
    hp.ingest("items")
    assert ids(hp) == list(range(1, 76))


def test_new_fields_add_columns_and_numbers_widen(open_hp, api, api_url):
    api.items = [{**item(i), "price": i} for i in range(1, 11)]
    hp = open_hp({"items": source(api_url)})
    hp.ingest("items")
    assert hp.sql("SELECT typeof(price) AS t FROM items LIMIT 1", format="arrow").to_pylist() == [{"t": "BIGINT"}]
    api.items = [{**item(i), "price": i + 0.25, "color": "red"} for i in range(11, 16)]
    hp.ingest("items")
    got = hp.sql(
        "SELECT typeof(price) AS t, sum(price) AS s, count(color) AS c FROM items GROUP BY ALL",
        format="arrow",
    ).to_pylist()
    assert got == [{"t": "DOUBLE", "s": 55 + 65 + 1.25, "c": 5}]


def test_a_frozen_schema_turns_a_new_field_into_an_error_naming_it(open_hp, api, api_url):
    hp = open_hp({"items": source(api_url, schema="frozen")})
    hp.ingest("items")
    api.items.append({**item(30), "discount": 0.1})
    with pytest.raises(SchemaDriftError, match="Field 'discount' is not a column of table 'items'"):
        hp.ingest("items")
    assert hp.sql("SELECT count(*) AS n FROM items", format="arrow").to_pylist() == [{"n": 25}]


def test_a_frozen_schema_refuses_to_widen(open_hp, api, api_url):
    api.items = [{**item(i), "price": i} for i in range(1, 4)]
    hp = open_hp({"items": source(api_url, schema="frozen")})
    hp.ingest("items")
    api.items = [{**item(4), "price": 4.5}]
    with pytest.raises(SchemaDriftError, match="Field 'price' of table 'items' changed type from int64 to double"):
        hp.ingest("items")


def test_an_incompatible_type_change_is_a_clear_error(open_hp, api, api_url):
    hp = open_hp({"items": source(api_url)})
    hp.ingest("items")
    api.items = [{**item(30), "owner": "nobody"}]
    with pytest.raises(SchemaDriftError, match="Field 'owner' of table 'items' changed type"):
        hp.ingest("items")


def test_catalog_from_a_configured_path(open_hp, api_url, workspace, tmp_path):
    path = write_catalog(tmp_path, {"other": source(api_url)})
    hp = open_hp(sources_file=str(path))
    assert list(hp.ingestion.specs()) == ["other"]
    assert hp.ingest("other").rows == 25
