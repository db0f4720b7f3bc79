"""Sessions: each reader has its own cursor; readers run at the same time; a stream equals the query."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pyarrow as pa
import pytest

from hpdp.domain.errors import (
    InvalidInputError,
    QueryCancelledError,
    ReadOnlyStatementError,
    SnapshotNotFoundError,
    StoreUnavailableError,
    UnknownTableError,
    UnsupportedError,
)
from tests.integration.contracts.test_store import people


def count(session_or_store, table="people", **kw) -> int:
    return session_or_store.sql(f"SELECT count(*) AS n FROM {table}", **kw).column("n")[0].as_py()


def test_sessions_have_independent_cursors(store):
    store.write("people", people())
    with store.session() as a, store.session() as b:
        a.sql("CREATE TEMP VIEW only_in_a AS SELECT 1 AS x")
        assert a.sql("SELECT x FROM only_in_a").to_pylist() == [{"x": 1}]
        with pytest.raises(UnknownTableError):
            b.sql("SELECT x FROM only_in_a")
        assert count(a) == count(b) == 3
        assert [t.name for t in b.tables()] == ["people"]
        assert b.read("people", format="polars").height == 3


def test_readers_in_parallel_threads_each_get_their_answer(store):
    store.write("people", people())
    barrier = threading.Barrier(4)

    def work(i: int) -> list[int]:
        with store.session() as session:
            barrier.wait(timeout=60)
            return [count(session, "people WHERE id > ?", params=[i % 3]) for _ in range(10)]

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(work, range(4)))
    assert results == [[3 - i % 3] * 10 for i in range(4)]


def test_store_reads_from_many_threads_at_once(store):
    store.write("people", people())
    with ThreadPoolExecutor(4) as pool:
        counts = list(pool.map(lambda _: count(store), range(40)))
    assert counts == [3] * 40


def test_stream_returns_batches_equal_to_sql(store):
    store.write("nums", pa.table({"n": pa.array(range(1000), pa.int64()), "s": [str(i) for i in range(1000)]}))
    query = "SELECT n, s FROM nums ORDER BY n"
    reader = store.stream(query, batch_rows=100)
    assert isinstance(reader, pa.RecordBatchReader)
    batches = list(reader)
    assert len(batches) >= 10 and all(b.num_rows <= 100 for b in batches)
    assert pa.Table.from_batches(batches, schema=reader.schema).equals(store.sql(query))
    assert store.stream("nums").read_all().num_rows == 1000
    with store.session() as session:
        streamed = session.stream("SELECT n FROM nums WHERE n < ? ORDER BY n", [5]).read_all()
        assert streamed.column("n").to_pylist() == [0, 1, 2, 3, 4]
        assert count(session, "nums") == 1000


def test_a_stream_dropped_half_read_frees_its_cursor(store):
    store.write("nums", pa.table({"n": list(range(1000))}))
    for _ in range(20):
        reader = store.stream("SELECT * FROM nums", batch_rows=10)
        reader.read_next_batch()
        reader.close()
        del reader
    store.write("nums", pa.table({"n": [1]}))  # no half-read result holds the table
    assert count(store, "nums") == 1001


def test_a_session_at_a_snapshot_sees_that_snapshot(case, store):
    store.write("people", people())
    if not case.snapshots:
        with pytest.raises(UnsupportedError, match="keeps no snapshots"):
            store.session(as_of=1)
        return
    before = store.current_snapshot()
    store.write("people", people(ids=(4,), names=("dee",)))
    with store.session(as_of=before) as old, store.session() as new:
        assert old.read("people").num_rows == 3
        assert count(old) == 3 and count(new) == 4
        assert old.stream("people").read_all().num_rows == 3
        assert old.stream("SELECT * FROM people").read_all().num_rows == 3
        assert [(t.name, t.rows) for t in old.tables()] == [("people", 3)]
    assert count(store) == 4


def test_a_snapshot_that_does_not_exist_is_named_with_the_ones_that_do(case, store):
    store.write("people", people())
    if not case.snapshots:
        with pytest.raises(UnsupportedError, match="keeps no snapshots"):
            store.read("people", as_of=99)
        return
    latest = store.current_snapshot()
    with pytest.raises(
        SnapshotNotFoundError, match=rf"^Snapshot 99 does not exist; snapshots run from 0 to {latest}\.$"
    ):
        store.session(as_of=99)
    with pytest.raises(SnapshotNotFoundError, match="Snapshot 99 does not exist"):
        store.read("people", as_of=99)


def test_a_dropped_table_read_after_its_drop_names_the_snapshots_that_have_it(case, store):
    if not case.snapshots:
        store.write("gone", people())
        store.drop("gone")
        with pytest.raises(UnsupportedError, match="keeps no snapshots"):
            store.read("gone", as_of=1)
        return
    created = store.write("gone", people()).snapshot
    store.write("gone", people(ids=(4,), names=("dee",)))
    last = store.current_snapshot()
    store.drop("gone")
    after = store.current_snapshot()
    message = rf"^Table 'gone' does not exist at snapshot {after}; it exists in snapshots {created} to {last}\.$"
    with pytest.raises(SnapshotNotFoundError, match=message):
        store.read("gone", as_of=after)
    assert store.read("gone", as_of=last).num_rows == 4


def test_closing_the_store_ends_its_open_sessions(open_store):
    store = open_store()
    session = store.session()
    idle = store.session()
    outcome: list[BaseException | None] = []

    def long_query() -> None:
        try:
            session.sql("SELECT sum(a.range * b.range) FROM range(100000000) a, range(1000) b")
            outcome.append(None)
        except (QueryCancelledError, StoreUnavailableError) as exc:
            outcome.append(exc)

    worker = threading.Thread(target=long_query)
    worker.start()
    time.sleep(0.5)
    started = time.monotonic()
    store.close()
    worker.join(timeout=30)
    assert not worker.is_alive() and time.monotonic() - started < 30
    assert len(outcome) == 1 and isinstance(outcome[0], QueryCancelledError)
    for ended in (session, idle):
        with pytest.raises(StoreUnavailableError, match="closed"):
            ended.sql("SELECT 1")
        ended.close()


def test_writers_in_threads_lose_and_duplicate_no_rows(store):
    barrier = threading.Barrier(3)

    def write(who: int) -> None:
        barrier.wait(timeout=60)
        for i in range(5):
            store.write("events", pa.table({"who": [who] * 10, "i": [i] * 10}))

    with ThreadPoolExecutor(3) as pool:
        list(pool.map(write, range(3)))
    got = store.sql("SELECT who, i, count(*) AS n FROM events GROUP BY ALL ORDER BY ALL").to_pylist()
    assert got == [{"who": w, "i": i, "n": 10} for w in range(3) for i in range(5)]


def test_a_session_reads_a_table_a_page_at_a_time(store):
    store.write("pages", {"n": list(range(50)), "odd col.name": [f"v{i}" for i in range(50)]})
    with store.session() as session:
        assert session.count("pages") == 50
        assert [c for c, _ in session.columns("pages")] == ["n", "odd col.name"]
        page = session.page("pages", limit=5, offset=10, order_by="n", descending=True, columns=["odd col.name"])
        assert page.column("odd col.name").to_pylist() == ["v39", "v38", "v37", "v36", "v35"]
        assert session.page("pages", limit=10, offset=45, order_by="n").column("n").to_pylist() == [45, 46, 47, 48, 49]
        with pytest.raises(InvalidInputError, match="has no column 'missing'"):
            session.page("pages", limit=1, columns=["missing"])


def test_a_locked_down_second_opening_reads_and_refuses_writes(case, store):
    from hpdp.application.store_ports import SupportsReadOnly

    if not isinstance(store, SupportsReadOnly):
        assert case.name in ("duckdb", "memory")  # a file one process holds, or memory: no second opening
        return
    store.write("ro", {"x": [1, 2]})
    locked = store.read_only()
    try:
        assert locked.sql("SELECT sum(x) AS s FROM ro", format="arrow").column("s").to_pylist() == [3]
        with pytest.raises(ReadOnlyStatementError):
            locked.sql("DELETE FROM ro")
    finally:
        locked.close()
    assert store.sql("SELECT count(*) AS n FROM ro", format="arrow").column("n").to_pylist() == [2]
