"""One contract for every store adapter: the same behaviour whatever the engine."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from hpdp.application.store_ports import SupportsSnapshots
from hpdp.domain.errors import (
    InputFileError,
    QueryError,
    SnapshotNotFoundError,
    UnknownTableError,
    UnsupportedError,
    WriteError,
)


def people(ids=(1, 2, 3), names=("ada", "bob", "cy")) -> pa.Table:
    n = len(ids)
    return pa.table(
        {
            "id": pa.array(ids, pa.int64()),
            "name": pa.array(names, pa.string()),
            "score": pa.array([1.5 * i for i in ids], pa.float64()),
            "active": pa.array([i % 2 == 1 for i in ids], pa.bool_()),
            "born": pa.array([dt.date(2000, 1, i) for i in ids], pa.date32()),
            "seen": pa.array([dt.datetime(2024, 5, 1, 12, i) for i in ids], pa.timestamp("us")),
            "note": pa.array([None] * n, pa.string()),
        }
    )


def rows(store, table="people", order="id"):
    return store.sql(f"SELECT * FROM {table} ORDER BY {order}").to_pylist()


def test_a_table_written_from_arrow_reads_back_with_its_values(store):
    store.write("people", people())
    got = store.read("people").sort_by("id")
    assert got.num_rows == 3
    assert got.column("name").to_pylist() == ["ada", "bob", "cy"]
    assert got.column("score").to_pylist() == [1.5, 3.0, 4.5]
    assert got.column("active").to_pylist() == [True, False, True]
    assert got.column("born").to_pylist() == [dt.date(2000, 1, 1), dt.date(2000, 1, 2), dt.date(2000, 1, 3)]
    assert got.column("seen").to_pylist()[0] == dt.datetime(2024, 5, 1, 12, 1)
    assert got.column("note").to_pylist() == [None, None, None]


@pytest.mark.parametrize(
    "convert", [pl.from_arrow, lambda t: t.to_pandas(), lambda t: t.to_pylist()], ids=["polars", "pandas", "records"]
)
def test_polars_pandas_and_records_are_accepted(store, convert):
    store.write("people", convert(people()))
    assert [r["name"] for r in rows(store)] == ["ada", "bob", "cy"]


def test_read_returns_the_requested_frame_type(store):
    store.write("people", people())
    assert isinstance(store.read("people", format="polars"), pl.DataFrame)
    assert isinstance(store.read("people", format="pandas"), pd.DataFrame)
    assert isinstance(store.sql("SELECT 1 AS x", format="arrow"), pa.Table)


def test_append_adds_rows(store):
    store.write("people", people())
    store.write("people", people(ids=(4,), names=("dee",)), mode="append")
    assert [r["id"] for r in rows(store)] == [1, 2, 3, 4]


def test_replace_swaps_the_whole_table(store):
    store.write("people", people())
    store.write("people", people(ids=(7,), names=("gus",)), mode="replace")
    assert [(r["id"], r["name"]) for r in rows(store)] == [(7, "gus")]


def test_merge_updates_matching_keys_and_inserts_new_ones(store):
    store.write("people", people())
    result = store.write("people", people(ids=(2, 9), names=("BOB", "ivy")), mode="merge", key="id")
    assert result.rows_written == 2
    assert [(r["id"], r["name"]) for r in rows(store)] == [(1, "ada"), (2, "BOB"), (3, "cy"), (9, "ivy")]


def test_merge_on_a_composite_key(store):
    data = pa.table({"a": [1, 1, 2], "b": ["x", "y", "x"], "v": [1, 2, 3]})
    store.write("pairs", data)
    store.write("pairs", pa.table({"a": [1], "b": ["y"], "v": [20]}), mode="merge", key=["a", "b"])
    assert [r["v"] for r in rows(store, "pairs", "a, b")] == [1, 20, 3]


def test_merge_without_a_key_is_refused(store):
    with pytest.raises(WriteError, match="needs a key"):
        store.write("people", people(), mode="merge")


def test_merge_with_duplicate_incoming_keys_is_refused_and_changes_nothing(store):
    store.write("people", people())
    with pytest.raises(WriteError, match="more than once"):
        store.write("people", people(ids=(2, 2), names=("x", "y")), mode="merge", key="id")
    assert [r["name"] for r in rows(store)] == ["ada", "bob", "cy"]


def test_a_merge_key_missing_from_the_data_is_refused(store):
    store.write("people", people())
    with pytest.raises(WriteError, match="Merge key 'nope'"):
        store.write("people", people(), mode="merge", key="nope")


def test_an_unknown_write_mode_is_refused(store):
    with pytest.raises(WriteError, match="Unknown write mode"):
        store.write("people", people(), mode="upsert")


def test_a_failing_batch_leaves_every_table_as_it_was(store):
    store.write("people", people())
    with pytest.raises(WriteError), store.batch() as batch:
        batch.write("people", people(ids=(5,), names=("eve",)))
        batch.write("other", pa.table({"x": [1]}))
        batch.write("people", pa.table({"id": ["not a number"]}), mode="append")
    assert [r["id"] for r in rows(store)] == [1, 2, 3]
    assert "other" not in [t.name for t in store.tables()]


def test_an_exception_inside_a_batch_writes_nothing(store):
    with pytest.raises(RuntimeError), store.batch() as batch:
        batch.write("people", people())
        raise RuntimeError("boom")
    assert store.tables() == []


def test_new_columns_in_appended_data_are_added(store):
    store.write("people", people())
    extra = people(ids=(4,), names=("dee",)).append_column("city", pa.array(["Oslo"]))
    store.write("people", extra)
    got = rows(store)
    assert got[0]["city"] is None and got[3]["city"] == "Oslo"


def test_tables_lists_names_with_row_counts(store):
    store.write("people", people())
    store.write("empty", people(ids=(), names=()))
    store.write("_hpdp_internal", pa.table({"x": [1]}))
    assert [(t.name, t.rows) for t in store.tables()] == [("empty", 0), ("people", 3)]


def test_drop_removes_a_table(store):
    store.write("people", people())
    store.drop("people")
    assert store.tables() == []
    with pytest.raises(UnknownTableError):
        store.drop("people")


def test_an_unknown_table_is_one_clear_error(store):
    with pytest.raises(UnknownTableError, match="'nope' does not exist"):
        store.read("nope")
    with pytest.raises(UnknownTableError):
        store.sql("SELECT * FROM nope")


def test_a_missing_table_suggests_only_the_users_own_tables(store):
    for query in ("SELECT * FROM nope", "SELECT * FROM pg_enums", "SELECT * FROM duckdb_table"):
        with pytest.raises(UnknownTableError) as empty:
            store.sql(query)
        assert "did you mean" not in str(empty.value), str(empty.value)
    store.write("people", people())
    store.write("_hpdp_people", people())
    with pytest.raises(UnknownTableError, match="did you mean 'people'"):
        store.sql("SELECT * FROM peple")


def test_malformed_sql_is_a_query_error_and_the_store_stays_usable(store):
    with pytest.raises(QueryError, match="syntax error"):
        store.sql("SELEC 1")
    assert store.sql("SELECT 41 + 1 AS x").to_pylist() == [{"x": 42}]


def test_sql_binds_parameters(store):
    store.write("people", people())
    got = store.sql("SELECT name FROM people WHERE id >= ? ORDER BY id", [2])
    assert got.column("name").to_pylist() == ["bob", "cy"]


def test_data_survives_reopening_except_in_memory(case, open_store):
    first = open_store()
    first.write("people", people())
    first.close()
    again = open_store()
    if case.persistent:
        assert [r["id"] for r in rows(again)] == [1, 2, 3]
    else:
        assert again.tables() == []


def test_time_travel_reads_earlier_versions(case, store):
    store.write("people", people())
    if not case.snapshots:
        with pytest.raises(UnsupportedError, match="no snapshots"):
            store.read("people", as_of=1)
        return
    assert isinstance(store, SupportsSnapshots)
    before = store.current_snapshot()
    store.write("people", people(ids=(4,), names=("dee",)))
    assert store.current_snapshot() == before + 1
    assert store.read("people", as_of=before).num_rows == 3
    assert store.read("people").num_rows == 4
    assert store.sql("SELECT count(*) AS n FROM people", as_of=before).to_pylist() == [{"n": 3}]
    assert {s.id for s in store.snapshots("people")} >= {before, before + 1}
    with pytest.raises(SnapshotNotFoundError, match="does not exist"):
        store.read("people", as_of=before + 100)


def test_files_are_parsed_by_the_query_engine(store, tmp_path):
    csv = tmp_path / "p.csv"
    csv.write_text("id,name\n1,ada\n2,bob\n")
    js = tmp_path / "p.json"
    js.write_text(json.dumps([{"id": 3, "name": "cy"}]))
    pq = tmp_path / "p.parquet"
    import pyarrow.parquet as pq_mod

    pq_mod.write_table(pa.table({"id": [4], "name": ["dee"]}), pq)
    for path in (csv, js, pq):
        store.write("people", store.read_file(path))
    assert [r["name"] for r in rows(store)] == ["ada", "bob", "cy", "dee"]


def test_a_file_that_does_not_parse_is_one_clear_error(store, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(InputFileError, match=r"Could not parse 'bad\.json'"):
        store.read_file(bad)
    with pytest.raises(InputFileError, match="does not exist"):
        store.read_file(tmp_path / "missing.csv")


def test_a_table_in_a_schema_of_its_own_is_created_on_its_first_write(store):
    assert store.named_schemas
    store.write("hpdp_meta.notes", pa.table({"a": [1]}))
    store.write("hpdp_meta.notes", pa.table({"a": [2], "b": ["x"]}))
    assert store.sql("SELECT a, b FROM hpdp_meta.notes ORDER BY a").to_pylist() == [
        {"a": 1, "b": None},
        {"a": 2, "b": "x"},
    ]
    assert "notes" not in [t.name for t in store.tables()]  # the user's tables are those of the main schema
