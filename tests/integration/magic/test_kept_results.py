"""Big cell results kept in the DuckDB session: pages, sorting, exports and reads re-run the query in DuckDB."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pytest

from hpdp.adapters.cells import KEPT_RESULTS, DuckDBCellRunner
from hpdp.domain.errors import InvalidInputError, NotFoundError
from hpdp.infrastructure.bootstrap import bootstrap
from hpdp.infrastructure.settings import load_settings

BIG = "SELECT range AS i, (range * 7919) % 100003 AS k, 'row ' || range AS s FROM range(100000)"


@pytest.fixture
def hp(workspace: Path) -> Iterator[object]:
    with bootstrap(load_settings(home=workspace)) as hp:
        hp.write("people", pl.DataFrame({"id": [1, 2, 3], "name": ["ann", "bob", "cy"]}))
        yield hp


@pytest.fixture
def runner(hp: object) -> Iterator[DuckDBCellRunner]:
    runner = DuckDBCellRunner(hp.store)  # type: ignore[attr-defined]
    yield runner
    runner.close()


def raw(sql: str) -> list[tuple[object, ...]]:
    return duckdb.sql(sql).fetchall()


def test_a_big_lazy_result_is_counted_and_its_first_page_read_not_the_rest(runner: DuckDBCellRunner) -> None:
    result = runner.run(BIG, {}, keep_over=10, lazy=True)
    assert result.value is None and result.kept is not None
    first = result.kept.first
    assert first.total == 100_000 and first.rows == raw(f"{BIG} LIMIT 10")
    assert first.columns == ["i", "k", "s"] and first.types == ["BIGINT", "BIGINT", "VARCHAR"]
    assert result.steps[-1].rows == 100_000


def test_a_small_result_is_read_whole_and_not_kept(runner: DuckDBCellRunner) -> None:
    result = runner.run("SELECT * FROM people ORDER BY id", {}, keep_over=10, lazy=True, format="pandas")
    assert result.kept is None and isinstance(result.value, pd.DataFrame) and len(result.value) == 3
    exact = runner.run("SELECT * FROM range(10)", {}, keep_over=10, lazy=True)
    assert exact.kept is None and exact.value.height == 10


def test_a_result_asked_for_whole_is_read_and_also_kept(runner: DuckDBCellRunner) -> None:
    result = runner.run(BIG, {}, keep_over=10)
    assert isinstance(result.value, pl.DataFrame) and result.value.height == 100_000
    assert result.kept is not None and result.kept.total == 100_000


def test_pages_and_sorting_match_duckdb(runner: DuckDBCellRunner) -> None:
    kept = runner.run(BIG, {}, keep_over=10, lazy=True).kept
    assert kept is not None
    assert runner.page(kept.id, 20, 10).rows == raw(f"{BIG} LIMIT 10 OFFSET 20")
    assert runner.page(kept.id, 30, 5, "k", descending=True).rows == raw(f"{BIG} ORDER BY k DESC LIMIT 5 OFFSET 30")
    assert runner.page(kept.id, 0, 3, "s").rows == raw(f"{BIG} ORDER BY s LIMIT 3")
    last = runner.page(kept.id, 99_995, 10)
    assert len(last.rows) == 5 and last.total == 100_000


def test_a_kept_query_keeps_its_parameters_frames_and_order(runner: DuckDBCellRunner) -> None:
    scores = pd.DataFrame({"id": range(50), "score": [i % 7 for i in range(50)]})
    ns = {"scores": scores, "low": 5}
    sql = "SELECT id, score FROM scores WHERE id >= $low ORDER BY score DESC, id"
    kept = runner.run(sql, ns, keep_over=10, lazy=True).kept
    assert kept is not None and kept.total == 45
    del ns["scores"], ns["low"]  # pages need neither the variables nor the namespace
    expected = sorted(((i, i % 7) for i in range(5, 50)), key=lambda r: (-r[1], r[0]))
    assert runner.page(kept.id, 10, 10).rows == expected[10:20]
    assert runner.fetch(kept.id, "arrow").to_pylist()[0] == {"id": expected[0][0], "score": expected[0][1]}


def test_a_kept_result_at_a_snapshot_stays_at_it(runner: DuckDBCellRunner, hp: object) -> None:
    first = hp.current_snapshot()  # type: ignore[attr-defined]
    hp.write("people", pl.DataFrame({"id": [4], "name": ["dee"]}), mode="append")  # type: ignore[attr-defined]
    kept = runner.run("SELECT * FROM people ORDER BY id", {}, keep_over=1, lazy=True, as_of=first).kept
    assert kept is not None and kept.total == 3
    assert runner.page(kept.id, 0, 10).rows == [(1, "ann"), (2, "bob"), (3, "cy")]
    assert runner.run("SELECT count(*) FROM people", {}).value.item() == 4


def test_exports_write_the_whole_result_by_duckdb(runner: DuckDBCellRunner, tmp_path: Path) -> None:
    kept = runner.run(BIG, {}, keep_over=10, lazy=True).kept
    assert kept is not None
    parquet = runner.export(kept.id, tmp_path / "big.parquet")
    assert pl.read_parquet(parquet).equals(duckdb.sql(BIG).pl())
    csv = runner.export(kept.id, tmp_path / "big.csv", "csv")
    assert pl.read_csv(csv).equals(duckdb.sql(BIG).pl())
    with pytest.raises(InvalidInputError, match="exists already"):
        runner.export(kept.id, csv, "csv")


def test_a_bad_sort_column_is_refused_and_names_the_columns(runner: DuckDBCellRunner) -> None:
    kept = runner.run(BIG, {}, keep_over=10, lazy=True).kept
    assert kept is not None
    with pytest.raises(InvalidInputError, match="no column 'k\" DESC; DROP TABLE people; --'"):
        runner.page(kept.id, 0, 10, 'k" DESC; DROP TABLE people; --')
    assert runner.run("SELECT count(*) FROM people", {}).value.item() == 3


def test_only_the_latest_results_are_kept(runner: DuckDBCellRunner) -> None:
    ids = []
    for _ in range(KEPT_RESULTS + 1):
        kept = runner.run("SELECT * FROM range(20)", {}, keep_over=10, lazy=True).kept
        assert kept is not None
        ids.append(kept.id)
    with pytest.raises(NotFoundError, match="run its cell again"):
        runner.page(ids[0], 0, 10)
    assert runner.page(ids[-1], 10, 10).rows == [(i,) for i in range(10, 20)]


def test_statements_before_the_query_run_once(runner: DuckDBCellRunner) -> None:
    result = runner.run(
        "CREATE TABLE log AS SELECT 1 AS n; INSERT INTO log SELECT range FROM range(30); SELECT * FROM log",
        {},
        keep_over=10,
        lazy=True,
    )
    assert result.kept is not None and result.kept.total == 31
    assert runner.page(result.kept.id, 0, 100).total == 31


def test_an_idle_runner_reports_no_progress(runner: DuckDBCellRunner) -> None:
    assert runner.progress() is None
