"""A session on a DuckDB-based store: its own cursor, a client context of the store's database instance.

Cursors of one instance run queries at the same time (DuckDB releases the GIL). A session at a snapshot
reads tables with `AT (VERSION => n)`; arbitrary SQL runs on a read-only attach of that snapshot, made
current with `USE` on this session's cursor only.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import duckdb

from hpdp.adapters.stores.errors import translate, user_relations
from hpdp.adapters.stores.sql import CATALOG, INTERNAL_PREFIX, convert, literal, quote, quote_part
from hpdp.application.store_ports import AbstractSession, closing_reader
from hpdp.domain.errors import HpdpError, QueryCancelledError, QueryError, StoreUnavailableError, UnknownTableError
from hpdp.domain.model import OutputFormat, TableInfo

if TYPE_CHECKING:
    import pyarrow as pa  # annotations only: pyarrow loads when a result needs it

T = TypeVar("T")


class SessionHost(Protocol):
    """What a session needs from its store (the DuckDB-based stores in base.py)."""

    schema: str

    def give_back(self, cursor: duckdb.DuckDBPyConnection) -> bool: ...
    def forget(self, session: DuckDBSession) -> None: ...
    def check_snapshot(self, as_of: int) -> None: ...
    def at_clause(self, as_of: int | None) -> str: ...
    def acquire_snapshot(self, cursor: duckdb.DuckDBPyConnection, as_of: int) -> str: ...
    def release_snapshot(self, cursor: duckdb.DuckDBPyConnection, as_of: int) -> None: ...
    def missing_at(self, table: str, as_of: int | None, error: HpdpError) -> HpdpError: ...
    def retrying(self, action: Callable[[], T]) -> T: ...
    def refresh_catalog(self, cursor: duckdb.DuckDBPyConnection | None) -> None: ...
    def session(self, as_of: int | None = None) -> AbstractSession: ...


class DuckDBSession(AbstractSession):
    """Reads on one cursor. `cursor` is public: DuckDB-side callers (SQL cells) run on it directly."""

    def __init__(
        self, store: SessionHost, cursor: duckdb.DuckDBPyConnection, as_of: int | None, *, pooled: bool = False
    ) -> None:
        self.store = store
        self.cursor = cursor
        self.as_of = as_of
        self.pooled = pooled
        self.catalog = CATALOG  # the catalog unqualified names resolve to
        self._pins: list[int] = []  # snapshots attached for this session, released on close
        self._state = threading.Lock()
        self._busy = False
        self._closed = False
        self._interrupted = False
        self._streams: list[DuckDBSession] = []  # sessions behind the streams this one handed out

    # -- running and cancelling ---------------------------------------------------------------------
    @contextmanager
    def running(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Mark the cursor busy while a query runs, so that closing the store interrupts it."""
        with self._state:
            if self._closed:
                raise StoreUnavailableError("The store was closed; open it again to run queries.")
            self._busy = True
            self._interrupted = False
        try:
            yield self.cursor
        except duckdb.InterruptException as exc:
            if self._interrupted:
                raise QueryCancelledError("The query was cancelled.", detail=str(exc)) from None
            raise self._cancelled(exc) from None
        finally:
            with self._state:
                self._busy = False
                closed = self._closed
            if closed:
                self._close_cursor()

    def cancel(self) -> None:
        """Interrupt a running query and the streams this session handed out (the session then ends), or
        end an idle session now."""
        with self._state:
            streams, self._streams = self._streams, []
            if self._closed and not self._busy:
                busy = None
            else:
                self._closed = True
                busy = self._busy
        for stream in streams:
            stream.interrupt()
        if busy:
            self.cursor.interrupt()
        elif busy is not None:
            self._close_cursor()

    def interrupt_query(self) -> None:
        """Stop the statement running now (the session stays open); it ends as cancelled."""
        with self._state:
            busy = self._busy and not self._closed
            self._interrupted = busy
        if busy:
            self.cursor.interrupt()

    def interrupt(self) -> None:
        """Stop a stream's query where it is; reading on then fails, and closing the reader ends the session."""
        with self._state:
            if self._closed:
                return
        self.cursor.interrupt()

    def close(self) -> None:
        with self._state:
            if self._closed:
                return
            self._closed = True
        self._unpin()
        if not (self.pooled and self.store.give_back(self.cursor)):
            self._close_cursor()
        self.store.forget(self)

    def _close_cursor(self) -> None:
        with suppress(duckdb.Error):
            self.cursor.close()

    @staticmethod
    def _cancelled(exc: BaseException) -> HpdpError:
        from hpdp.domain.errors import QueryCancelledError

        return QueryCancelledError("The query was cancelled because the store was closed.", detail=str(exc))

    # -- snapshots ----------------------------------------------------------------------------------
    @contextmanager
    def at(self, as_of: int | None) -> Iterator[None]:
        """Run the statements inside at snapshot `as_of` (on this session's cursor only)."""
        if as_of is None or as_of == self.as_of:
            yield
            return
        self.store.check_snapshot(as_of)
        before = self.catalog
        self._pin(as_of)
        try:
            yield
        finally:
            self._use(before)
            self.store.release_snapshot(self.cursor, self._pins.pop())

    def _pin(self, as_of: int) -> None:
        alias = self.store.acquire_snapshot(self.cursor, as_of)
        self._pins.append(as_of)
        self._use(alias)

    def _use(self, catalog: str) -> None:
        self.cursor.execute(f"USE {catalog}")
        self.catalog = catalog

    def _pinned(self) -> None:
        """Make the session's snapshot current for arbitrary SQL (attached on first need)."""
        if self.as_of is not None and not self._pins:
            self._pin(self.as_of)

    def _unpin(self) -> None:
        if not self._pins:
            return
        try:
            self._use(CATALOG)
            while self._pins:
                self.store.release_snapshot(self.cursor, self._pins.pop())
        except duckdb.Error:
            self.pooled = False  # a cursor in an unknown state is closed, not reused

    # -- reads --------------------------------------------------------------------------------------
    def _run(self, action: Callable[[duckdb.DuckDBPyConnection], T], table: str | None = None) -> T:
        with self.running() as cur:
            try:
                return self.store.retrying(lambda: action(cur))
            except duckdb.InterruptException:
                raise
            except duckdb.Error as exc:
                raise translate(exc, table=table, known=self.relation_names) from exc

    def _sql(self, query: str, params: Any, format: OutputFormat) -> Any:
        self._pinned()
        return self._run(lambda cur: convert(cur.sql(query, params=params) if params else cur.sql(query), format))

    def _read(self, table: str, format: OutputFormat) -> Any:
        source = f"{CATALOG}.{quote(table)}" if self._pins else quote(table)
        query = f"SELECT * FROM {source}{self.store.at_clause(self.as_of)}"
        try:
            return self._run(lambda cur: convert(cur.sql(query), format), table=table)
        except UnknownTableError as exc:
            raise self.store.missing_at(table, self.as_of, exc) from exc.__cause__

    def _stream_table(self, table: str, batch_rows: int) -> pa.RecordBatchReader:
        query = f"SELECT * FROM {quote(table)}{self.store.at_clause(self.as_of)}"
        return self._stream_on_own_cursor(query, None, batch_rows, pin=False)

    def _stream(self, query: str, params: Any, batch_rows: int) -> pa.RecordBatchReader:
        return self._stream_on_own_cursor(query, params, batch_rows, pin=True)

    def _stream_on_own_cursor(self, query: str, params: Any, batch_rows: int, *, pin: bool) -> pa.RecordBatchReader:
        """Runs on a cursor of its own, which the reader keeps until it is exhausted or closed."""
        reader_session = self.store.session(self.as_of)
        assert isinstance(reader_session, DuckDBSession)
        with self._state:
            self._streams = [s for s in self._streams if not s._closed] + [reader_session]
        try:
            if pin:
                reader_session._pinned()
            reader = reader_session._run(lambda cur: _reader(cur, query, params, batch_rows))
        except BaseException:
            reader_session.close()
            raise
        return closing_reader(reader, reader_session)

    # -- pages --------------------------------------------------------------------------------------
    def _source(self, table: str) -> str:
        source = f"{CATALOG}.{quote(table)}" if self._pins else quote(table)
        return f"{source}{self.store.at_clause(self.as_of)}"

    def _columns(self, table: str) -> list[tuple[str, str]]:
        query = f"DESCRIBE SELECT * FROM {self._source(table)}"
        try:
            rows = self._run(lambda cur: cur.execute(query).fetchall(), table=table)
        except UnknownTableError as exc:
            raise self.store.missing_at(table, self.as_of, exc) from exc.__cause__
        return [(str(r[0]), str(r[1])) for r in rows]

    def _count(self, table: str) -> int:
        query = f"SELECT count(*) FROM {self._source(table)}"
        return int(self._run(lambda cur: cur.execute(query).fetchone()[0], table=table))

    def _page(
        self, table: str, limit: int, offset: int, columns: list[str] | None, order_by: str | None, descending: bool
    ) -> pa.Table:
        order = f" ORDER BY {quote_part(order_by)} {'DESC' if descending else 'ASC'} NULLS LAST" if order_by else ""
        shown = ", ".join(quote_part(c) for c in columns) if columns else "*"
        query = f"SELECT {shown} FROM {self._source(table)}{order} LIMIT {int(limit)} OFFSET {int(offset)}"
        try:
            return self._run(lambda cur: cur.sql(query).to_arrow_table(), table=table)
        except UnknownTableError as exc:
            raise self.store.missing_at(table, self.as_of, exc) from exc.__cause__

    def tables(self) -> list[TableInfo]:
        self._pinned()
        return self._run(self._tables)

    def _tables(self, cur: duckdb.DuckDBPyConnection) -> list[TableInfo]:
        self.store.refresh_catalog(cur)
        names = [
            r[0]
            for r in cur.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = "
                f"{literal(self.catalog)} AND schema_name = {literal(self.store.schema)} ORDER BY table_name"
            ).fetchall()
            if not r[0].startswith(INTERNAL_PREFIX)
        ]
        if not names:
            return []
        counts = " UNION ALL ".join(f"SELECT {i} AS i, count(*) AS n FROM {quote(n)}" for i, n in enumerate(names))
        rows = dict(cur.execute(counts).fetchall())
        return [TableInfo(name=n, rows=int(rows[i])) for i, n in enumerate(names)]

    def relation_names(self) -> set[str]:
        """The user's tables and views and this session's temporary views (hidden tables left out)."""
        return user_relations(self.cursor, self.catalog, INTERNAL_PREFIX)


def _reader(cur: duckdb.DuckDBPyConnection, query: str, params: Any, batch_rows: int) -> pa.RecordBatchReader:
    rel = cur.sql(query, params=params) if params else cur.sql(query)
    if rel is None:
        raise QueryError(  # DuckDB has run the statement by now: it is done, with no rows to hand out
            "The statement ran and returns no rows, so there is nothing to stream.", code="statement_without_rows"
        )
    return rel.to_arrow_reader(batch_rows)
