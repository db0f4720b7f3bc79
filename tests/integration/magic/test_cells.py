"""SQL cells on a real DuckLake store: parameters, frames by name, several statements, saved views, errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from hpdp.adapters.cells import DuckDBCellRunner
from hpdp.domain.errors import HpdpError, QueryError, SnapshotNotFoundError, UnknownTableError, UnsupportedError
from hpdp.infrastructure.bootstrap import bootstrap
from hpdp.infrastructure.settings import load_settings


@pytest.fixture
def hp(workspace: Path) -> Iterator[object]:
    with bootstrap(load_settings(home=workspace)) as hp:
        hp.write("people", pl.DataFrame({"id": [1, 2, 3], "name": ["ann", "bob", "cy"]}))
        yield hp


@pytest.fixture
def runner(hp: object) -> DuckDBCellRunner:
    return DuckDBCellRunner(hp.store)  # type: ignore[attr-defined]


def test_a_select_returns_a_polars_frame_by_default(runner: DuckDBCellRunner) -> None:
    result = runner.run("SELECT id, name FROM people ORDER BY id", {})
    assert isinstance(result.value, pl.DataFrame)
    assert result.value.to_dicts()[0] == {"id": 1, "name": "ann"}
    assert result.kind == "SELECT"


@pytest.mark.parametrize(("format", "kind"), [("pandas", pd.DataFrame), ("arrow", pa.Table), ("polars", pl.DataFrame)])
def test_each_result_type_is_fully_materialised(runner: DuckDBCellRunner, format: str, kind: type) -> None:
    result = runner.run("SELECT * FROM people", {}, format=format)
    assert isinstance(result.value, kind)
    runner.run("SELECT 1", {})  # another query on the connection does not empty the earlier result
    assert len(result.value) == 3


def test_a_relation_is_lazy_and_reads_later(runner: DuckDBCellRunner) -> None:
    rel = runner.run("SELECT count(*) AS n FROM people", {}, format="relation").value
    assert rel.fetchall() == [(3,)]


def test_dollar_names_are_bound_as_values_not_pasted_into_sql(runner: DuckDBCellRunner) -> None:
    hostile = "x' OR '1'='1"
    assert runner.run("SELECT count(*) AS n FROM people WHERE name = $who", {"who": hostile}).value.item() == 0
    assert runner.run("SELECT name FROM people WHERE id >= $lo ORDER BY id", {"lo": 2}).value["name"].to_list() == [
        "bob",
        "cy",
    ]


def test_a_missing_variable_is_a_clear_error(runner: DuckDBCellRunner) -> None:
    with pytest.raises(QueryError, match=r"\$limit_id but no Python variable 'limit_id'"):
        runner.run("SELECT * FROM people WHERE id < $limit_id", {})


@pytest.mark.parametrize(
    "frame",
    [
        pl.DataFrame({"id": [2, 3], "score": [0.5, 0.7]}),
        pd.DataFrame({"id": [2, 3], "score": [0.5, 0.7]}),
        pa.table({"id": [2, 3], "score": [0.5, 0.7]}),
        pl.DataFrame({"id": [2, 3], "score": [0.5, 0.7]}).lazy(),
    ],
    ids=["polars", "pandas", "arrow", "lazyframe"],
)
def test_frames_in_the_namespace_are_queried_by_name(runner: DuckDBCellRunner, frame: object) -> None:
    sql = "SELECT p.name, s.score FROM people p JOIN scores s USING (id) ORDER BY p.id"
    result = runner.run(sql, {"scores": frame}).value
    assert result.rows() == [("bob", 0.5), ("cy", 0.7)]
    with pytest.raises(UnknownTableError):  # registered for that cell only
        runner.run("SELECT * FROM scores", {})


def test_a_store_table_wins_over_a_frame_of_the_same_name(runner: DuckDBCellRunner) -> None:
    result = runner.run("SELECT count(*) FROM people", {"people": pl.DataFrame({"id": [9]})})
    assert result.value.item() == 3


def test_several_statements_run_in_order_and_the_last_one_is_returned(runner: DuckDBCellRunner, hp: object) -> None:
    sql = """
        CREATE TABLE evens AS SELECT range AS n FROM range(0, 10, 2);
        INSERT INTO evens VALUES (100);  -- a comment
        SELECT count(*) AS n FROM evens
    """
    result = runner.run(sql, {})
    assert result.value.item() == 6
    assert [s.kind for s in result.steps] == ["CREATE", "INSERT", "SELECT"]
    assert result.steps[1].rows == 1
    assert hp.store.has_table("evens")  # type: ignore[attr-defined]


def test_a_failing_cell_changes_nothing_in_the_store(runner: DuckDBCellRunner, hp: object) -> None:
    before = hp.current_snapshot()  # type: ignore[attr-defined]
    sql = "INSERT INTO people VALUES (4, 'dee'); SELECT no_such_column FROM people"
    with pytest.raises(QueryError, match=r"statement 2 of 2; nothing was changed"):
        runner.run(sql, {})
    assert hp.sql("SELECT count(*) FROM people").item() == 3  # type: ignore[attr-defined]
    assert hp.current_snapshot() == before  # type: ignore[attr-defined]


def test_errors_carry_the_hint_and_the_position(runner: DuckDBCellRunner) -> None:
    with pytest.raises(QueryError) as caught:
        runner.run("SELECT *\nFORM people", {})
    message = str(caught.value)
    assert message.startswith("SQL syntax error: syntax error at or near")
    assert "LINE 2: FORM people" in message
    assert message.splitlines()[-1].strip() == "^"
    assert runner.run("SELECT 1 AS ok", {}).value.item() == 1  # the connection stays usable


def test_an_unknown_table_names_the_closest_one(runner: DuckDBCellRunner) -> None:
    with pytest.raises(UnknownTableError, match="did you mean 'people'"):
        runner.run("SELECT * FROM peple", {})


def test_a_saved_query_is_a_view_for_later_cells_and_ddl(runner: DuckDBCellRunner, hp: object) -> None:
    runner.run("SELECT id, upper(name) AS name FROM people WHERE id > 1", {}, save="grown")
    runner.run("CREATE TABLE grown_copy AS SELECT * FROM grown", {})
    runner.run("INSERT INTO people SELECT id + 10, name FROM grown", {})
    assert hp.sql("SELECT count(*) FROM grown_copy").item() == 2  # type: ignore[attr-defined]
    assert hp.sql("SELECT count(*) FROM people").item() == 5  # type: ignore[attr-defined]
    assert runner.run("SELECT count(*) FROM grown", {}).value.item() == 4  # the view follows the data


def test_save_refuses_what_it_cannot_keep(runner: DuckDBCellRunner) -> None:
    with pytest.raises(QueryError, match="would hide the table 'people'"):
        runner.run("SELECT 1", {}, save="people")
    with pytest.raises(QueryError, match=r"\$parameters"):
        runner.run("SELECT $x AS x", {"x": 1}, save="params")
    with pytest.raises(QueryError, match="ends with a SELECT"):
        runner.run("CREATE TABLE t AS SELECT 1 AS a", {}, save="made")


def test_as_of_reads_an_earlier_snapshot(runner: DuckDBCellRunner, hp: object) -> None:
    first = hp.current_snapshot()  # type: ignore[attr-defined]
    hp.write("people", pl.DataFrame({"id": [4], "name": ["dee"]}))  # type: ignore[attr-defined]
    assert runner.run("SELECT count(*) FROM people", {}, as_of=first).value.item() == 3
    assert runner.run("SELECT count(*) FROM people", {}).value.item() == 4
    with pytest.raises(SnapshotNotFoundError, match="does not exist"):
        runner.run("SELECT 1", {}, as_of=first + 100)


def test_explain_returns_the_plan_without_running_the_query(runner: DuckDBCellRunner, hp: object) -> None:
    plan = runner.run("CREATE TABLE never AS SELECT * FROM people", {}, explain=True).value
    assert "CREATE_TABLE_AS" in plan or "CREATE" in plan
    assert not hp.store.has_table("never")  # type: ignore[attr-defined]


def test_an_empty_cell_is_a_clear_error(runner: DuckDBCellRunner) -> None:
    with pytest.raises(QueryError, match="no SQL statement"):
        runner.run("  -- only a comment\n", {})


def test_a_store_without_duckdb_is_refused() -> None:
    with pytest.raises(HpdpError, match="DuckDB-based store"):
        DuckDBCellRunner(object())


def test_a_store_without_snapshots_refuses_as_of(workspace: Path) -> None:
    with bootstrap(load_settings(home=workspace, db_engine="memory")) as hp:
        runner = DuckDBCellRunner(hp.store)
        with pytest.raises(UnsupportedError, match="keeps no snapshots"):
            runner.run("SELECT 1", {}, as_of=1)
        assert runner.run("SELECT 1 AS one", {}).value.item() == 1


def test_writes_from_another_process_are_seen_by_the_next_cell(runner: DuckDBCellRunner, workspace: Path) -> None:
    with bootstrap(load_settings(home=workspace)) as other:
        other.write("people", pl.DataFrame({"id": [4], "name": ["dee"]}))
    assert runner.run("SELECT count(*) FROM people", {}).value.item() == 4


def test_the_workbench_runs_cells_in_one_session_that_keeps_views_and_frames(hp: object) -> None:
    cells = hp.cells  # type: ignore[attr-defined]
    assert cells is hp.cells  # type: ignore[attr-defined]
    cells.run("SELECT id FROM people WHERE id > 1", {}, save="later")
    frame = pl.DataFrame({"id": [2]})
    cells.run("SELECT * FROM picked", {"picked": frame}, format="relation")
    assert cells.run("SELECT count(*) FROM later JOIN picked USING (id)", {}).value.item() == 1
    with pytest.raises(UnknownTableError):  # another session does not see the notebook's views
        hp.sql("SELECT * FROM later")  # type: ignore[attr-defined]


def test_a_cell_at_a_snapshot_and_a_reader_at_the_latest_data_do_not_disturb_each_other(
    runner: DuckDBCellRunner, hp: object
) -> None:
    first = hp.current_snapshot()  # type: ignore[attr-defined]
    hp.write("people", pl.DataFrame({"id": [4], "name": ["dee"]}))  # type: ignore[attr-defined]
    runner.run("SELECT 1", {}, save="marker")
    assert runner.run("SELECT count(*) FROM people", {}, as_of=first).value.item() == 3
    assert hp.sql("SELECT count(*) FROM people").item() == 4  # type: ignore[attr-defined]
    assert runner.run("SELECT count(*) FROM marker", {}).value.item() == 1


def test_names_for_completion_cover_tables_saved_views_and_frames(runner: DuckDBCellRunner, hp: object) -> None:
    runner.run("SELECT id FROM people WHERE id > 1", {}, save="later")
    runner.run("CREATE TABLE _hpdp_state AS SELECT 1 AS x", {})  # hpdp's own hidden tables stay hidden
    namespace = {"scores": pl.DataFrame({"id": [1], "score": [9.5]}), "lazy": pl.LazyFrame({"k": [1]}),
                 "table": pa.table({"a": [1]}), "legacy": pd.DataFrame({"b": [1]}), "_": pl.DataFrame({"c": [1]}),
                 "people": pl.DataFrame({"x": [1]}), "n": 3}  # fmt: skip
    names = runner.names(namespace)
    relations = {name: (r.kind, r.columns) for name, r in names.relations.items()}
    assert relations["people"] == ("table", ("id", "name"))  # the store's table wins over a frame of that name
    assert relations["later"] == ("view", ("id",))
    assert relations["scores"] == ("frame", ("id", "score"))
    assert relations["lazy"] == ("frame", ("k",)) and relations["table"] == ("frame", ("a",))
    assert relations["legacy"] == ("frame", ("b",))
    assert "_" not in relations and "n" not in relations
    assert "_hpdp_state" not in relations
    assert "select" in names.keywords and "date_diff" in names.functions
    hp.write("more", pl.DataFrame({"z": [1]}))  # type: ignore[attr-defined]
    assert runner.names({}).relations["more"].columns == ("z",)
