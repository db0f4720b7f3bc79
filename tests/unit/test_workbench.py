import pytest

from hpdp.application.workbench import Workbench
from hpdp.domain.errors import InputFileError, UnknownTableError, UnsupportedError
from tests.unit.fakes import FakeProcessor, FakeStore, FakeVersionedStore


def make(store=None):
    return Workbench(store or FakeStore(), FakeProcessor())


def test_writes_go_through_the_store_with_their_mode():
    hp = make()
    hp.write("t", [{"id": 1, "v": "a"}, {"id": 2, "v": "b"}])
    hp.write("t", [{"id": 2, "v": "B"}], mode="merge", key="id")
    assert sorted(r["v"] for r in hp.table("t")) == ["B", "a"]


def test_sql_uses_the_default_output_format_unless_asked():
    hp = make()
    assert hp.sql("SELECT 1")[0]["format"] == "polars"
    assert hp.sql("SELECT 1", format="arrow")[0]["format"] == "arrow"


def test_import_reads_the_file_then_writes_it():
    hp = make(FakeStore(files={"in.csv": [{"a": 1}]}))
    result = hp.import_file("in.csv", "t", mode="replace")
    assert (result.rows_written, hp.tables()[0].name) == (1, "t")
    with pytest.raises(InputFileError):
        hp.import_file("missing.csv", "t")


def test_time_travel_on_an_unversioned_store_says_which_engine_to_use():
    hp = make()
    hp.write("t", [{"a": 1}])
    with pytest.raises(UnsupportedError, match="HPDP_DB_ENGINE=ducklake"):
        hp.table("t", as_of=0)
    with pytest.raises(UnsupportedError):
        hp.snapshots()
    assert hp.current_snapshot() is None


def test_time_travel_on_a_versioned_store_reads_the_old_rows():
    hp = make(FakeVersionedStore())
    hp.write("t", [{"a": 1}])
    hp.write("t", [{"a": 2}])
    assert hp.current_snapshot() == 2
    assert hp.table("t", as_of=1) == [{"a": 1}]
    assert len(hp.table("t")) == 2


def test_snapshots_of_an_unknown_table_is_an_unknown_table_error():
    hp = make(FakeVersionedStore())
    with pytest.raises(UnknownTableError):
        hp.snapshots("nope")


def test_summary_reads_a_named_table_through_the_store():
    hp = make()
    hp.write("t", [{"a": 1}, {"a": 2}])
    assert hp.summary("t")[0].distinct == 2
    assert hp.profile([{"a": 1}])["rows"] == 1


def test_a_batch_that_raises_commits_nothing():
    hp = make()
    with pytest.raises(RuntimeError), hp.store.batch() as batch:
        batch.write("t", [{"a": 1}])
        raise RuntimeError
    assert hp.tables() == []


def test_closing_the_workbench_closes_the_store():
    store = FakeStore()
    with make(store):
        pass
    assert store.closed
