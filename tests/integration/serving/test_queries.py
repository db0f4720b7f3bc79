"""Reads for dashboards and APIs: table pages on every engine, outside SQL read-only by the engine itself."""

from __future__ import annotations

from pathlib import Path

import pytest

import hpdp
from hpdp.application.queries import QueryLimits, QueryService
from hpdp.domain.errors import (
    InvalidInputError,
    QueryTimeoutError,
    ReadOnlyStatementError,
    SnapshotNotFoundError,
    UnsupportedError,
)

REFUSED = [
    "DROP TABLE t",
    "INSERT INTO t VALUES (9, 'x')",
    "CREATE TABLE u AS SELECT 1",
    "UPDATE t SET x = 0",
    "COPY t TO '{tmp}/out.csv'",
    "ATTACH '{tmp}/other.db' AS other",
    "INSTALL httpfs",
    "LOAD httpfs",
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_parquet('{tmp}/*.parquet')",
    "SET threads = 1",
]


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> hpdp.Workbench:
    hp = hpdp.open(home=tmp_path_factory.mktemp("lake"))
    hp.write("t", {"x": list(range(1000)), "name": [f"n{i}" for i in range(1000)]})
    hp.write("t", {"x": [5000], "name": ["late"]})
    yield hp
    hp.close()


@pytest.fixture(scope="module")
def queries(lake: hpdp.Workbench) -> QueryService:
    service = QueryService(lake.store, QueryLimits(max_rows=100, timeout_s=2))
    yield service
    service.close()


@pytest.mark.ducklake
def test_a_page_reads_only_its_rows_in_order_and_at_a_snapshot(queries: QueryService) -> None:
    page = queries.page("t", limit=3, offset=1, order_by="x", descending=True, columns=["name"])
    assert page.column_names == ["name"]
    assert page.column("name").to_pylist() == ["n999", "n998", "n997"]
    assert queries.count("t") == 1001 and queries.count("t", as_of=1) == 1000
    assert queries.schema("t") == [("x", "BIGINT"), ("name", "VARCHAR")]
    assert queries.page("t", limit=10_000).num_rows == 100  # capped at the row limit


@pytest.mark.ducklake
def test_a_page_names_a_missing_column_or_snapshot_in_one_sentence(queries: QueryService) -> None:
    with pytest.raises(InvalidInputError, match="has no column 'nope'; its columns are x, name"):
        queries.page("t", limit=2, order_by="nope")
    with pytest.raises(SnapshotNotFoundError, match="Snapshot 99 does not exist"):
        queries.page("t", limit=2, as_of=99)


@pytest.mark.ducklake
def test_outside_sql_reads_and_is_cut_at_the_row_limit(queries: QueryService) -> None:
    assert queries.sql("SELECT sum(x) AS s FROM t").to_pylist() == [{"s": sum(range(1000)) + 5000}]
    assert queries.sql("SELECT * FROM t").num_rows == 100
    assert queries.sql("SELECT * FROM t", limit=7).num_rows == 7
    assert queries.sql("SELECT count(*) AS n FROM t", as_of=1).to_pylist() == [{"n": 1000}]


@pytest.mark.ducklake
@pytest.mark.parametrize("statement", REFUSED)
def test_outside_sql_that_would_change_or_read_beyond_the_store_is_refused_by_the_engine(
    queries: QueryService, lake: hpdp.Workbench, statement: str, tmp_path: Path
) -> None:
    with pytest.raises(ReadOnlyStatementError, match="runs read-only"):
        queries.sql(statement.format(tmp=tmp_path))
    assert lake.sql("SELECT count(*) AS n FROM t", format="arrow").to_pylist() == [{"n": 1001}]
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.ducklake
def test_a_query_past_its_time_is_cancelled_and_the_service_goes_on(queries: QueryService) -> None:
    with pytest.raises(QueryTimeoutError, match="ran longer than 2 s and was cancelled"):
        queries.sql("SELECT count(*) FROM range(1000000000000)")
    with pytest.raises(QueryTimeoutError):  # cancelled while it sorts, or while its batches are read
        queries.stream("SELECT a.range FROM range(100000000) a ORDER BY random()", sql=True).read_all()
    assert queries.sql("SELECT 1 AS one").to_pylist() == [{"one": 1}]


@pytest.mark.duckdb
def test_a_store_that_cannot_be_opened_twice_refuses_outside_sql_but_pages_its_tables(workspace: Path) -> None:
    hp = hpdp.open(home=workspace, db_engine="duckdb")
    hp.write("t", {"x": [1, 2, 3]})
    service = QueryService(hp.store)
    try:
        with pytest.raises(UnsupportedError, match="the duckdb store cannot"):
            service.sql("SELECT 1")
        assert service.page("t", limit=2, offset=1).column("x").to_pylist() == [2, 3]
    finally:
        service.close()
        hp.close()
