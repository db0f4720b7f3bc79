"""`hpdp.connect` against a real `hpdp serve`: the JSON and the Flight transfers give the same answers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import hpdp
from hpdp.application.transfer import AbstractTransfer
from hpdp.domain.errors import HpdpError, NotFoundError, ReadOnlyStatementError
from tests.e2e.serve.api_server import TOKEN, Server, serve_api


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serve_api(tmp_path_factory.mktemp("connect") / "ws", flight=True) as served:
        yield served


@pytest.mark.parametrize("transfer", ["json", "flight"])
def test_a_remote_workbench_reads_writes_and_errs_like_a_local_one(server: Server, transfer: str) -> None:
    with hpdp.connect(server.url, token=TOKEN, transfer=transfer) as remote:
        check_remote(remote, transfer)


def check_remote(remote: AbstractTransfer, transfer: str) -> None:
    names = {t.name: t.rows for t in remote.tables()}
    assert names["people"] == 5 and names["big"] == 200_000
    people = remote.table("people", format="arrow").sort_by("id")
    assert people.column("name").to_pylist() == ["ada", "bob", None, "dan", "eve"]
    assert remote.sql("SELECT count(*) AS n FROM big WHERE id % 2 = 0", format="arrow").to_pylist() == [{"n": 100_000}]
    table = f"from_{transfer}"
    first = remote.write(table, {"k": [1, 2], "v": ["a", "b"]})
    remote.write(table, {"k": [2], "v": ["B"]}, mode="merge", key="k")
    assert remote.table(table, format="arrow").sort_by("k").to_pylist() == [{"k": 1, "v": "a"}, {"k": 2, "v": "B"}]
    assert remote.table(table, as_of=first.snapshot, format="arrow").sort_by("k").column("v").to_pylist() == ["a", "b"]
    with pytest.raises(ReadOnlyStatementError):
        remote.sql(f"DROP TABLE {table}")
    with pytest.raises(NotFoundError, match="Table 'nope' does not exist"):
        remote.table("nope")


def test_both_transfers_bring_the_same_rows(server: Server) -> None:
    with hpdp.connect(server.url, token=TOKEN, transfer="json") as remote:
        by_json = remote.table("big", format="arrow")
    with hpdp.connect(server.url, token=TOKEN, transfer="flight") as remote:
        by_flight = remote.table("big", format="arrow")
    assert by_json.sort_by("id").equals(by_flight.sort_by("id"))


def test_without_the_token_nothing_comes_back(server: Server) -> None:
    for transfer in ("json", "flight"):
        with pytest.raises(HpdpError) as caught, hpdp.connect(server.url, token=None, transfer=transfer) as remote:
            remote.tables()  # or already the connection, which asks the server where its Flight endpoint is
        assert caught.value.code in ("unauthorized", "token_invalid", "token_required"), caught.value.code
