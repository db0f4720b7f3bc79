"""Store ports: a place that keeps tables, the sessions that read it and the batches that write it.

Each port does shared validation in its public method (template method) and leaves the engine-specific
part to an underscore hook. A session is one reader's view of the store (its own engine connection and,
where the engine keeps them, its own snapshot); readers in different sessions run at the same time.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hpdp.application.object_storage import ObjectStorage
from hpdp.domain.errors import InvalidInputError, SnapshotsUnsupportedError
from hpdp.domain.model import (
    OutputFormat,
    Snapshot,
    TableInfo,
    WriteMode,
    WriteResult,
    merge_keys,
    table_name,
)

if TYPE_CHECKING:
    import pyarrow as pa

DEFAULT_BATCH_ROWS = 122_880  # DuckDB's row-group size: one Arrow batch per row group
_TABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")


def is_table_name(query_or_table: str) -> bool:
    return bool(_TABLE_NAME.match(query_or_table.strip()))


class AbstractBatch(ABC):
    """Writes collected inside one store transaction: all commit together or none does."""

    def write(
        self, table: str, data: Any, mode: str | WriteMode = WriteMode.APPEND, key: str | Sequence[str] | None = None
    ) -> WriteResult:
        parsed = WriteMode.parse(mode)
        name = table_name(table)
        result = self._write(name, data, parsed, merge_keys(parsed, key))
        self.touched.add(name)
        return result

    @property
    def touched(self) -> set[str]:
        """The tables this batch writes or drops."""
        return self.__dict__.setdefault("_touched", set())

    @abstractmethod
    def _write(self, table: str, data: Any, mode: WriteMode, keys: tuple[str, ...]) -> WriteResult: ...

    def drop(self, table: str) -> None:
        name = table_name(table)
        self._drop(name)
        self.touched.add(name)

    @abstractmethod
    def _drop(self, table: str) -> None: ...


class AbstractSession(ABC):
    """One reader's view of the store, at the latest data or at one snapshot (`as_of`).

    Use it as a context manager (or call `close()`); a session is for one thread at a time.
    """

    as_of: int | None = None

    def sql(
        self,
        query: str,
        params: Sequence[Any] | dict[str, Any] | None = None,
        *,
        format: str | OutputFormat = OutputFormat.ARROW,
    ) -> Any:
        return self._sql(query, params, OutputFormat(format))

    @abstractmethod
    def _sql(self, query: str, params: Any, format: OutputFormat) -> Any: ...

    def read(self, table: str, *, format: str | OutputFormat = OutputFormat.ARROW) -> Any:
        return self._read(table_name(table), OutputFormat(format))

    @abstractmethod
    def _read(self, table: str, format: OutputFormat) -> Any: ...

    def stream(
        self,
        query_or_table: str,
        params: Sequence[Any] | dict[str, Any] | None = None,
        *,
        batch_rows: int = DEFAULT_BATCH_ROWS,
    ) -> pa.RecordBatchReader:
        """The result as Arrow record batches of at most `batch_rows` rows, read as they are consumed."""
        if batch_rows < 1:
            raise InvalidInputError(f"A stream's batches hold at least 1 row, not {batch_rows}.")
        if params is None and is_table_name(query_or_table):
            return self._stream_table(table_name(query_or_table.strip()), batch_rows)
        return self._stream(query_or_table, params, batch_rows)

    def _stream_table(self, table: str, batch_rows: int) -> pa.RecordBatchReader:
        table_data = self._read(table, OutputFormat.ARROW)
        import pyarrow as pa

        return pa.RecordBatchReader.from_batches(table_data.schema, table_data.to_batches(batch_rows))

    def _stream(self, query: str, params: Any, batch_rows: int) -> pa.RecordBatchReader:
        """Fallback for engines without a streaming result: the whole result, handed out in batches."""
        import pyarrow as pa

        data = self._sql(query, params, OutputFormat.ARROW)
        return pa.RecordBatchReader.from_batches(data.schema, data.to_batches(batch_rows))

    @abstractmethod
    def tables(self) -> list[TableInfo]: ...

    # -- pages of one table (dashboards and APIs read tables a page at a time) -------------------------
    def columns(self, table: str) -> list[tuple[str, str]]:
        """(name, type) of each column of a table, in order."""
        return self._columns(table_name(table))

    def _columns(self, table: str) -> list[tuple[str, str]]:
        data = self._read(table, OutputFormat.ARROW)
        return [(f.name, str(f.type)) for f in data.schema]

    def count(self, table: str) -> int:
        return self._count(table_name(table))

    def _count(self, table: str) -> int:
        return int(self._read(table, OutputFormat.ARROW).num_rows)

    def page(
        self,
        table: str,
        *,
        limit: int,
        offset: int = 0,
        columns: Sequence[str] | None = None,
        order_by: str | None = None,
        descending: bool = False,
    ) -> pa.Table:
        """Rows `offset` to `offset + limit` of a table (in `order_by` order when given), only those read."""
        if limit < 0 or offset < 0:
            raise InvalidInputError(f"A page needs a limit and offset of 0 or more, not {limit} and {offset}.")
        name = table_name(table)
        wanted = list(columns) if columns else None
        named = [*(wanted or []), *([order_by] if order_by else [])]
        if named:  # checked only when the caller names columns: a plain page costs one query
            known = [c for c, _ in self._columns(name)]
            unknown = [c for c in named if c not in known]
            if unknown:
                raise InvalidInputError(
                    f"Table {name!r} has no column {unknown[0]!r}; its columns are {', '.join(known)}.",
                    code="column_not_found",
                )
        return self._page(name, limit, offset, wanted, order_by, descending)

    def _page(
        self, table: str, limit: int, offset: int, columns: list[str] | None, order_by: str | None, descending: bool
    ) -> pa.Table:
        data = self._read(table, OutputFormat.ARROW)
        data = data.select(columns) if columns else data
        if order_by:
            data = data.sort_by([(order_by, "descending" if descending else "ascending")])
        return data.slice(offset, limit)

    def close(self) -> None:  # noqa: B027 - sessions without a connection of their own have nothing to end
        """End the session; a query still running in it is cancelled."""

    def cancel(self) -> None:  # noqa: B027 - sessions without a connection of their own have nothing to stop
        """From another thread: stop the session's running query and its streams; the session ends."""

    def __enter__(self) -> AbstractSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class StoreSession(AbstractSession):
    """A session for stores that keep no per-reader state: every call goes to the store's own hooks."""

    def __init__(self, store: AbstractStore, as_of: int | None) -> None:
        self.store = store
        self.as_of = as_of

    def _sql(self, query: str, params: Any, format: OutputFormat) -> Any:
        return self.store._sql(query, params, self.as_of, format)

    def _read(self, table: str, format: OutputFormat) -> Any:
        return self.store._read(table, self.as_of, format)

    def tables(self) -> list[TableInfo]:
        return self.store.tables()


class AbstractStore(ABC):
    """A place that keeps tables. DuckDB is the query engine over every built-in store."""

    engine: str = ""
    # whether `schema.table` names can go to a schema other than the default one (created on first write)
    named_schemas: bool = True

    def write(
        self, table: str, data: Any, mode: str | WriteMode = WriteMode.APPEND, key: str | Sequence[str] | None = None
    ) -> WriteResult:
        with self.batch() as batch:
            result = batch.write(table, data, mode, key)
        return self._with_snapshot(result)

    def _with_snapshot(self, result: WriteResult) -> WriteResult:
        if isinstance(self, SupportsSnapshots):
            return WriteResult(result.table, result.mode, result.rows_written, self.current_snapshot())
        return result

    def drop(self, table: str) -> None:
        with self.batch() as batch:
            batch.drop(table)

    def exclusive(self) -> AbstractContextManager[object]:
        """While held, no other thread of this process commits to the store. A background reader that may
        run during another thread's commit holds it (a DuckLake commit racing a read on another connection of
        the same database can fail inside DuckDB). Stores without such a race need nothing."""
        return nullcontext()

    def ensure_schema(self, schema: str) -> None:  # noqa: B027 - stores with one schema have nothing to create
        """Create a named schema ahead of the writes into it (a first write would create it too, but a schema
        created by a writer while others commit can break their commits: bookkeeping creates it up front)."""

    @contextmanager
    def batch(self) -> Iterator[AbstractBatch]:
        """Group writes into one atomic commit (one snapshot where the engine keeps them)."""
        with self._batch() as batch:
            yield batch
        for listener in list(self.commit_listeners):
            listener(sorted(batch.touched))

    @property
    def commit_listeners(self) -> list[Callable[[list[str]], None]]:
        """Called after each committed batch with the tables it wrote (a server publishes events from here)."""
        return self.__dict__.setdefault("_commit_listeners", [])

    @abstractmethod
    def _batch(self) -> Any: ...

    def session(self, as_of: int | None = None) -> AbstractSession:
        """A reader's own view of the store (a context manager); `as_of` pins it to one snapshot."""
        self._check_as_of(as_of)
        return self._session(as_of)

    def _session(self, as_of: int | None) -> AbstractSession:
        return StoreSession(self, as_of)

    def read(self, table: str, *, as_of: int | None = None, format: str | OutputFormat = OutputFormat.ARROW) -> Any:
        self._check_as_of(as_of)
        return self._read(table_name(table), as_of, OutputFormat(format))

    @abstractmethod
    def _read(self, table: str, as_of: int | None, format: OutputFormat) -> Any: ...

    def sql(
        self,
        query: str,
        params: Sequence[Any] | dict[str, Any] | None = None,
        *,
        as_of: int | None = None,
        format: str | OutputFormat = OutputFormat.ARROW,
    ) -> Any:
        self._check_as_of(as_of)
        return self._sql(query, params, as_of, OutputFormat(format))

    @abstractmethod
    def _sql(self, query: str, params: Any, as_of: int | None, format: OutputFormat) -> Any: ...

    def stream(
        self,
        query_or_table: str,
        params: Sequence[Any] | dict[str, Any] | None = None,
        *,
        as_of: int | None = None,
        batch_rows: int = DEFAULT_BATCH_ROWS,
    ) -> pa.RecordBatchReader:
        """A query's result (or a table) as Arrow batches; the session behind it ends when the reader does."""
        session = self.session(as_of)
        try:
            reader = session.stream(query_or_table, params, batch_rows=batch_rows)
        except BaseException:
            session.close()
            raise
        return closing_reader(reader, session)

    @abstractmethod
    def tables(self) -> list[TableInfo]: ...

    def has_table(self, table: str) -> bool:
        return any(t.name == table for t in self.tables())

    def read_file(self, path: str | Path, file_format: str | None = None) -> Any:
        """Parse a CSV, Parquet or JSON file into an Arrow table with the query engine."""
        return self._read_file(Path(path), file_format)

    @abstractmethod
    def _read_file(self, path: Path, file_format: str | None) -> Any: ...

    def _check_as_of(self, as_of: int | None) -> None:
        if as_of is not None and not isinstance(self, SupportsSnapshots):
            raise SnapshotsUnsupportedError(
                f"The {self.engine} store keeps no snapshots, so it cannot read an earlier version.",
                hint="use HPDP_DB_ENGINE=ducklake for time travel",
            )

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> AbstractStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def closing_reader(reader: pa.RecordBatchReader, session: AbstractSession) -> pa.RecordBatchReader:
    """The same batches; the session closes when the reader is exhausted, closed or dropped."""
    import pyarrow as pa

    def batches() -> Iterator[Any]:
        try:
            yield None  # primed below: from here on, dropping the generator runs `finally`
            yield from reader
        finally:
            reader.close()
            session.close()

    flow = batches()
    next(flow)
    return pa.RecordBatchReader.from_batches(reader.schema, flow)


class SupportsSnapshots(ABC):
    """Capability: the store versions every write and can read an earlier version."""

    @abstractmethod
    def snapshots(self, table: str | None = None) -> list[Snapshot]: ...

    @abstractmethod
    def current_snapshot(self) -> int: ...


class SupportsReadOnly(ABC):
    """Capability: the same data opened a second time by a locked-down engine that cannot change anything.

    SQL from outside (an API, a dashboard's SQL box) runs there: the engine itself refuses writes, file access
    beyond the store's own files, extensions and settings.
    """

    @abstractmethod
    def read_only(self) -> AbstractStore: ...


class StoreOptions:
    """What every store factory receives from the composition root."""

    def __init__(
        self,
        home: Path,
        extension_dir: Path,
        url: str | None = None,
        data_path: Path | None = None,
        read_only: bool = False,
        object_storage: ObjectStorage | None = None,
    ) -> None:
        self.home = home
        self.extension_dir = extension_dir
        self.url = url
        self.data_path = data_path
        self.read_only = read_only
        self.object_storage = object_storage  # set: the data files live there instead of `data_path`

    def as_read_only(self) -> StoreOptions:
        return StoreOptions(
            self.home, self.extension_dir, self.url, self.data_path, read_only=True, object_storage=self.object_storage
        )
