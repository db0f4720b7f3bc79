"""hpdp.connect: the same reads and writes through Arrow Flight and through the HTTP API's JSON transfer."""

from __future__ import annotations

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import hpdp
from hpdp.domain.errors import HpdpError, InvalidInputError, NotFoundError, UnavailableError
from tests.integration.flight import rest_stub
from tests.integration.flight.conftest import NUMBERS, url


@pytest.fixture(params=["flight", "json", "json-pages"])
def remote(request, lake, server):
    """A remote workbench per transfer; `json-pages`: a server that answers JSON only."""
    app = rest_stub.build(lake.container, server.port, arrow=request.param != "json-pages")
    with rest_stub.serving(app) as http_url:
        transfer = "flight" if request.param == "flight" else "json"
        with hpdp.connect(http_url, transfer=transfer) as remote:
            assert remote.name == transfer
            yield remote


def by_id(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.sort("id")


def test_tables_table_and_sql_answer_as_the_local_workbench(lake, remote):
    hp = lake.container.workbench()
    assert {t.name: t.rows for t in remote.tables()} == {"numbers": NUMBERS, "people": 3}
    people = remote.table("people")
    assert isinstance(people, pl.DataFrame) and by_id(people).equals(by_id(hp.table("people", format="polars")))
    assert isinstance(remote.table("people", format="pandas"), pd.DataFrame)
    assert isinstance(remote.table("people", format="arrow"), pa.Table)
    old = remote.table("numbers", as_of=lake.first_snapshot, format="arrow")
    assert old.num_rows == NUMBERS // 2
    counted = remote.sql("SELECT count(*) AS n FROM numbers WHERE id < 10")
    assert counted["n"].to_list() == [10]


def test_writes_append_replace_and_merge_equal_the_lake(lake, remote):
    hp = lake.container.workbench()
    result = remote.write("people", pl.DataFrame({"id": [4], "name": ["dee"]}))
    assert result.rows_written == 1 and result.mode.value == "append"
    remote.write("people", pd.DataFrame({"id": [1, 5], "name": ["ADA", "eve"]}), mode="merge", key="id")
    assert by_id(remote.table("people")).equals(by_id(hp.table("people", format="polars")))
    assert by_id(hp.table("people", format="polars"))["name"].to_list() == ["ADA", "bob", "cy", "dee", "eve"]
    remote.write("fresh", {"id": [1, 2]}, mode="replace")
    assert hp.table("fresh", format="arrow").num_rows == 2


def test_the_servers_errors_come_back_with_their_code(lake, remote):
    with pytest.raises(NotFoundError) as missing:
        remote.table("nope")
    assert missing.value.code == "table_not_found"
    with pytest.raises(HpdpError) as refused:
        remote.sql("DELETE FROM people")
    assert refused.value.code == "read_only_statement"
    with pytest.raises(InvalidInputError):
        remote.write("people", {"id": [9]}, mode="merge")  # no key: refused before sending
    assert lake.container.workbench().table("people", format="arrow").num_rows == 3


def test_flight_finds_its_port_from_the_http_info_and_sends_the_token(lake, start_server):
    server = start_server(token="t0ken")
    with rest_stub.serving(rest_stub.build(lake.container, server.port, arrow=True)) as http_url:
        with hpdp.connect(http_url, token="t0ken", transfer="flight") as remote:
            assert str(server.port) in remote.location
            assert remote.table("people").height == 3
        with hpdp.connect("http://x", token="wrong", flight_url=url(server)) as guess, pytest.raises(HpdpError) as bad:
            guess.tables()
    assert bad.value.code == "unauthenticated" and "t0ken" not in str(bad.value)


def test_the_transfer_comes_from_hpdp_transfer_and_an_unknown_one_is_named(monkeypatch, server):
    monkeypatch.setenv("HPDP_TRANSFER", "flight")
    with hpdp.connect("http://unused", flight_url=url(server)) as remote:
        assert remote.name == "flight"
    with pytest.raises(HpdpError) as unknown:
        hpdp.connect("http://unused", transfer="carrier-pigeon")
    assert "HPDP_TRANSFER" in str(unknown.value) and "flight" in str(unknown.value)


def test_a_server_that_is_not_there_is_one_sentence():
    with pytest.raises(UnavailableError) as caught:
        hpdp.connect("http://127.0.0.1:9", transfer="flight")
    assert "127.0.0.1:9" in str(caught.value)
