"""Reads for dashboards and APIs: tables a page at a time, and outside SQL run read-only with limits.

Table pages and streams read the store through sessions, with names checked against the table's columns.
SQL from outside runs on a second, locked-down opening of the store (`SupportsReadOnly`): the engine itself
refuses writes, file access, extensions and settings. Each query has a row limit and a time limit; a query
past its time is cancelled.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hpdp.application.store_ports import (
    DEFAULT_BATCH_ROWS,
    AbstractStore,
    SupportsReadOnly,
    closing_reader,
    is_table_name,
)
from hpdp.domain.errors import (
    InvalidInputError,
    QueryCancelledError,
    QueryTimeoutError,
    UnsupportedError,
)
from hpdp.domain.model import TableInfo

if TYPE_CHECKING:
    import pyarrow as pa


@dataclass(frozen=True)
class QueryLimits:
    max_rows: int = 100_000
    timeout_s: float = 30.0


class QueryService:
    def __init__(self, store: AbstractStore, limits: QueryLimits | None = None) -> None:
        self.store = store
        self.limits = limits or QueryLimits()
        self._read_only: AbstractStore | None = None
        self._lock = threading.Lock()

    # -- tables ---------------------------------------------------------------------------------------
    def tables(self) -> list[TableInfo]:
        return self.store.tables()

    def schema(self, table: str, *, as_of: int | None = None) -> list[tuple[str, str]]:
        with self.store.session(as_of) as session:
            return session.columns(table)

    def count(self, table: str, *, as_of: int | None = None) -> int:
        with self.store.session(as_of) as session:
            return session.count(table)

    def page(
        self,
        table: str,
        *,
        as_of: int | None = None,
        limit: int = 100,
        offset: int = 0,
        columns: Sequence[str] | None = None,
        order_by: str | None = None,
        descending: bool = False,
    ) -> pa.Table:
        """One page of a table; `limit` is capped at the row limit."""
        limit = min(limit, self.limits.max_rows)
        with self.store.session(as_of) as session:
            return session.page(
                table, limit=limit, offset=offset, columns=columns, order_by=order_by, descending=descending
            )

    # -- outside SQL ----------------------------------------------------------------------------------
    def sql(
        self, query: str, *, limit: int | None = None, timeout_s: float | None = None, as_of: int | None = None
    ) -> pa.Table:
        """The first `limit` rows (at most the row limit) of a read-only query; the rest is never computed."""
        import pyarrow as pa

        rows = self._row_limit(limit)
        reader = self.stream(query, sql=True, as_of=as_of, timeout_s=timeout_s)
        batches, have = [], 0
        try:
            for batch in reader:
                batches.append(batch.slice(0, rows - have))
                have += batches[-1].num_rows
                if have >= rows:
                    break
        finally:
            reader.close()
        return pa.Table.from_batches(batches, schema=reader.schema)

    def stream(
        self,
        query_or_table: str,
        *,
        as_of: int | None = None,
        sql: bool = False,
        batch_rows: int = DEFAULT_BATCH_ROWS,
        timeout_s: float | None = None,
    ) -> pa.RecordBatchReader:
        """A table (by name) or, with `sql=True`, a read-only query, batch by batch."""
        if not sql:
            if not is_table_name(query_or_table):
                raise InvalidInputError(f"{query_or_table!r} is not a table name.", code="table_name_invalid")
            return self.store.stream(query_or_table, as_of=as_of, batch_rows=batch_rows)
        if not query_or_table.strip():
            raise InvalidInputError("The query is empty; send one SELECT statement.", code="query_empty")
        session = self._locked_store().session(as_of)
        timer = _Deadline(session, timeout_s or self.limits.timeout_s)
        try:
            reader = timer.guard(lambda: session.stream(query_or_table, batch_rows=batch_rows))
        except BaseException:
            timer.cancel()
            session.close()
            raise
        return closing_reader(timer.batches(reader), session)

    def _row_limit(self, limit: int | None) -> int:
        if limit is not None and limit < 0:
            raise InvalidInputError(f"A row limit is 0 or more, not {limit}.")
        return self.limits.max_rows if limit is None else min(limit, self.limits.max_rows)

    def _locked_store(self) -> AbstractStore:
        with self._lock:
            if self._read_only is None:
                if not isinstance(self.store, SupportsReadOnly):
                    raise UnsupportedError(
                        f"SQL from outside runs only on a store that can be opened read-only a second time; "
                        f"the {self.store.engine} store cannot.",
                        hint="use HPDP_DB_ENGINE=ducklake (the default), sqlite or postgres",
                        code="read_only_unsupported",
                    )
                self._read_only = self.store.read_only()
            return self._read_only

    def close(self) -> None:
        with self._lock:
            if self._read_only is not None:
                self._read_only.close()
                self._read_only = None


class _Deadline:
    """Cancels a session's query when it runs past its time; a cancelled query ends as QueryTimeoutError."""

    def __init__(self, session: object, seconds: float) -> None:
        self.seconds = seconds
        self.fired = False
        self._timer = threading.Timer(seconds, self._fire, args=(session,))
        self._timer.daemon = True
        self._timer.start()

    def _fire(self, session: object) -> None:
        self.fired = True
        session.cancel()  # type: ignore[attr-defined]

    def cancel(self) -> None:
        self._timer.cancel()

    def guard(self, action):  # type: ignore[no-untyped-def]
        try:
            return action()
        except QueryCancelledError as exc:
            raise self._timeout(exc) from None

    def _timeout(self, exc: QueryCancelledError) -> Exception:
        if not self.fired:
            return exc
        return QueryTimeoutError(
            f"The query ran longer than {self.seconds:g} s and was cancelled.",
            hint="narrow it down, or raise HPDP_QUERY_TIMEOUT_S",
            detail=exc.detail,
        )

    def batches(self, reader: pa.RecordBatchReader) -> pa.RecordBatchReader:
        import pyarrow as pa

        def flow() -> Iterator[pa.RecordBatch]:
            try:
                it = iter(reader)
                while True:
                    try:
                        batch = next(it, None)
                    except Exception as exc:
                        if self.fired:
                            raise self._timeout(QueryCancelledError("cancelled", detail=str(exc))) from None
                        raise
                    if batch is None:
                        return
                    yield batch
            finally:
                self.cancel()
                reader.close()

        return pa.RecordBatchReader.from_batches(reader.schema, flow())
