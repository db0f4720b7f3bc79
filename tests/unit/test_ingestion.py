"""The load use case with the in-memory store and the in-memory source (no servers, no files)."""

from __future__ import annotations

import pytest

import hpdp
from hpdp.adapters.sources.memory import MemorySource
from hpdp.application.ingestion import IngestionService
from hpdp.domain.errors import UnsupportedError
from hpdp.domain.model import WriteMode
from hpdp.domain.sources import CatalogError, Incremental, LoadStatus, PaginationError, SourceSpec


def rows(*ids, at=None):
    return [{"id": i, "ts": at if at is not None else i} for i in ids]


@pytest.fixture
def hp(tmp_path):
    with hpdp.open(db_engine="memory", home=str(tmp_path)) as workbench:
        yield workbench


def service(hp, **specs):
    return IngestionService(hp.store, lambda: specs, MemorySource)


def spec(pages, **kw):
    kw.setdefault("mode", WriteMode.MERGE)
    kw.setdefault("key", ("id",))
    return SourceSpec(
        name="s",
        kind="memory",
        url="memory://s",
        table="t",
        options={"pages": pages, **kw.pop("options", {})},
        **kw,
    )


def table_ids(hp):
    return [r["id"] for r in hp.sql("SELECT id FROM t ORDER BY id", format="arrow").to_pylist()]


def test_a_load_writes_the_rows_the_cursor_and_a_history_row(hp):
    ingest = service(hp, s=spec([rows(1, 2), rows(3)], incremental=Incremental("ts")))
    record = ingest.ingest("s")
    assert (record.rows, record.pages, record.status, record.snapshot) == (3, 2, LoadStatus.OK, None)
    assert table_ids(hp) == [1, 2, 3]
    assert ingest.cursor("s") == 3
    assert [r.rows for r in ingest.loads()] == [3]
    assert [t.name for t in hp.tables()] == ["t"]


def test_the_cursor_never_moves_back(hp):
    pages = [rows(1, 2)]
    ingest = service(hp, s=spec(pages, incremental=Incremental("ts", lag=5)))
    ingest.ingest("s")
    pages[0] = rows(9, at=1)  # a late row with an old cursor value
    ingest.ingest("s")
    assert ingest.cursor("s") == 2 and table_ids(hp) == [1, 2, 9]


def test_identical_consecutive_pages_are_a_loop_and_nothing_is_written(hp):
    ingest = service(hp, s=spec([rows(1, 2), rows(1, 2)]))
    with pytest.raises(PaginationError, match="same page twice in a row"):
        ingest.ingest("s")
    assert not hp.store.has_table("t")
    assert ingest.loads("s")[0].status is LoadStatus.FAILED


def test_a_declared_total_that_differs_fails_the_load(hp):
    ingest = service(hp, s=spec([rows(1, 2)], options={"total": 5}))
    with pytest.raises(PaginationError, match="declared 5 rows but the pages held 2"):
        ingest.ingest("s")


def test_an_unknown_source_lists_the_known_ones(hp):
    with pytest.raises(CatalogError, match=r"No source named 'x'.*known sources: s"):
        service(hp, s=spec([])).ingest("x")


def test_a_missing_cursor_field_is_a_clear_error(hp):
    ingest = service(hp, s=spec([rows(1)], incremental=Incremental("updated")))
    with pytest.raises(Exception, match="cursor field 'updated' of source 's' is not in the data"):
        ingest.ingest("s")
    assert ingest.cursor("s") is None


def test_an_empty_load_keeps_the_table_and_cursor(hp):
    pages = [rows(1)]
    ingest = service(hp, s=spec(pages, incremental=Incremental("ts")))
    ingest.ingest("s")
    pages[0] = []
    assert ingest.ingest("s").rows == 0
    assert table_ids(hp) == [1] and ingest.cursor("s") == 1


def test_a_workbench_without_a_catalog_says_so():
    from hpdp.adapters.processors.polars import PolarsProcessor
    from hpdp.application.workbench import Workbench

    with pytest.raises(UnsupportedError, match="no sources catalog"):
        Workbench(store=None, processor=PolarsProcessor()).ingest("x")  # type: ignore[arg-type]


def test_a_load_leaves_the_garbage_collector_alone(hp):
    """Loads run inside long-lived servers beside other threads: process-wide state stays as it was."""
    import gc

    seen = []

    class Watching(MemorySource):
        def _pages(self, start):
            for page in super()._pages(start):
                seen.append(gc.isenabled())
                yield page

    ingest = IngestionService(hp.store, lambda: {"s": spec([rows(1), rows(2)])}, Watching)
    assert gc.isenabled()
    ingest.ingest("s")
    assert seen == [True, True] and gc.isenabled()
