"""The shared DuckDB machinery: every store attaches its catalog to one DuckDB database instance as `store`.

Readers each get a cursor of that instance (a session) and take no store-wide lock. Writers share one
write cursor under an in-process lock; each batch is one transaction.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import duckdb

from hpdp.adapters.stores import extensions
from hpdp.adapters.stores.session import DuckDBSession
from hpdp.adapters.stores.sql import CATALOG, INTERNAL_PREFIX, convert, literal, quote
from hpdp.adapters.stores.writes import BatchWriter, DuckDBBatch, columns
from hpdp.application.store_ports import AbstractStore, StoreOptions
from hpdp.domain.errors import (
    HpdpError,
    InputFileError,
    SnapshotsUnsupportedError,
    StoreUnavailableError,
    WriteConflictError,
    WriteError,
    first_line,
)
from hpdp.domain.model import OutputFormat, TableInfo, table_name

__all__ = ["CATALOG", "INTERNAL_PREFIX", "DuckDBBatch", "DuckDBEngineStore", "convert", "literal", "quote"]

if TYPE_CHECKING:
    import pyarrow as pa  # loaded by DuckDB on the first Arrow result

T = TypeVar("T")
_POOL_SIZE = 8  # idle cursors kept for short reads
_FILE_READERS = {
    "csv": "read_csv_auto",
    "tsv": "read_csv_auto",
    "parquet": "read_parquet",
    "json": "read_json_auto",
    "ndjson": "read_json_auto",
    "jsonl": "read_json_auto",
}


class DuckDBEngineStore(AbstractStore):
    """Base of the built-in stores: subclasses say which extensions to load and how to attach."""

    extensions_needed: tuple[str, ...] = ()
    schema = "main"

    def __init__(self, options: StoreOptions) -> None:
        self.options = options
        self._write_lock = threading.RLock()  # reentrant: a holder of `exclusive()` writes through it
        self._guard = threading.Lock()  # the cursor pool and the set of open sessions
        self._idle: list[duckdb.DuckDBPyConnection] = []
        self._open: set[DuckDBSession] = set()
        self._writer: duckdb.DuckDBPyConnection | None = None
        self._closed = False
        self._con = extensions.connect(options.extension_dir, self.extensions_needed)
        try:
            self.retrying(self._attach)
            self._con.execute(f"USE {CATALOG}")
            if options.read_only:
                extensions.lock_down(self._con, self._own_paths())
        except BaseException:
            self._con.close()
            raise

    def _attach(self) -> None:
        raise NotImplementedError

    # -- a locked-down second opening (engines that allow one add SupportsReadOnly) --------------------
    def _read_only_option(self) -> str:
        return ", READ_ONLY" if self.options.read_only else ""

    def _own_paths(self) -> list[Path | str]:
        """Files and folders the engine itself must still read when locked down."""
        return []

    def _reopen_read_only(self) -> DuckDBEngineStore:
        return type(self)(self.options.as_read_only())

    # -- cursors and sessions -----------------------------------------------------------------------
    def _cursor(self) -> duckdb.DuckDBPyConnection:
        with self._guard:
            if self._closed:
                raise StoreUnavailableError("The store was closed; open it again to run queries.")
            if self._idle:
                return self._idle.pop()
            cursor = self._con.cursor()
        cursor.execute(f"USE {CATALOG}")
        return cursor

    def give_back(self, cursor: duckdb.DuckDBPyConnection) -> bool:
        """Keep an idle cursor for the next short read; False when it should be closed instead."""
        with self._guard:
            if self._closed or len(self._idle) >= _POOL_SIZE:
                return False
            self._idle.append(cursor)
            return True

    def forget(self, session: DuckDBSession) -> None:
        with self._guard:
            self._open.discard(session)

    def _session(self, as_of: int | None) -> DuckDBSession:
        return self._new_session(as_of, pooled=False)

    def _new_session(self, as_of: int | None, *, pooled: bool) -> DuckDBSession:
        if as_of is not None:
            self.check_snapshot(as_of)
        session = DuckDBSession(self, self._cursor(), as_of, pooled=pooled)
        with self._guard:
            self._open.add(session)
        return session

    @contextmanager
    def _short_session(self, as_of: int | None = None) -> Iterator[DuckDBSession]:
        """A session on a pooled cursor for one call of `sql`, `read` or `tables`."""
        self._check_as_of(as_of)
        session = self._new_session(as_of, pooled=True)
        try:
            yield session
        finally:
            session.close()

    # -- snapshots (engines that keep them override these) -------------------------------------------
    def check_snapshot(self, as_of: int) -> None:
        raise SnapshotsUnsupportedError(f"The {self.engine} store keeps no snapshots.")

    def at_clause(self, as_of: int | None) -> str:
        return ""

    def acquire_snapshot(self, cursor: duckdb.DuckDBPyConnection, as_of: int) -> str:
        raise SnapshotsUnsupportedError(f"The {self.engine} store keeps no snapshots.")

    def release_snapshot(self, cursor: duckdb.DuckDBPyConnection, as_of: int) -> None:
        """Undo one `acquire_snapshot`."""

    def missing_at(self, table: str, as_of: int | None, error: HpdpError) -> HpdpError:
        """The error for a table missing at a snapshot (engines with snapshots name where it exists)."""
        return error

    # -- writes -------------------------------------------------------------------------------------
    commit_attempts = 1

    @contextmanager
    def _batch(self) -> Iterator[DuckDBBatch]:
        batch = DuckDBBatch()
        yield batch
        with self._write_lock:
            writer = BatchWriter(self._write_cursor(), self.schema, lambda: self.refresh_catalog(self._writer))
            try:
                self.retrying(lambda: writer.apply(batch))
            except WriteError as exc:
                cause = exc.__cause__
                if cause is not None and self._retryable(cause):
                    raise WriteConflictError(
                        f"The write lost a race with another writer {self.commit_attempts} time(s) "
                        "and was rolled back.",
                        hint="try again",
                        detail=str(cause),
                    ) from cause
                raise

    def ensure_schema(self, schema: str) -> None:
        if not self.named_schemas or self.options.read_only:
            return
        with self._write_lock:
            cur = self._write_cursor()
            query = "SELECT 1 FROM duckdb_schemas() WHERE database_name = ? AND schema_name = ?"
            if not self.retrying(lambda: cur.execute(query, [CATALOG, schema]).fetchall()):
                self.retrying(lambda: cur.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(schema)}"))

    def _write_cursor(self) -> duckdb.DuckDBPyConnection:
        if self._writer is None:
            self._writer = self._cursor()
        return self._writer

    def exclusive(self) -> AbstractContextManager[object]:
        return self._write_lock

    def retrying(self, action: Callable[[], T]) -> T:
        """Run an action, again after a pause when it lost a race with another process."""
        for attempt in range(self.commit_attempts):
            try:
                return action()
            except (duckdb.Error, WriteError) as exc:
                cause = exc.__cause__ if isinstance(exc, WriteError) else exc
                if attempt + 1 == self.commit_attempts or cause is None or not self._retryable(cause):
                    raise
            time.sleep(min(2.0, 0.02 * 2**attempt) * (0.5 + random.random()))
        raise AssertionError("unreachable")

    def _retryable(self, exc: BaseException) -> bool:
        return False

    def refresh_catalog(self, cursor: duckdb.DuckDBPyConnection | None) -> None:
        """Forget cached schema information (engines that cache it override this)."""

    # -- reads --------------------------------------------------------------------------------------
    def _read(self, table: str, as_of: int | None, format: OutputFormat) -> Any:
        with self._short_session(as_of) as session:
            return session._read(table, format)

    def _sql(self, query: str, params: Any, as_of: int | None, format: OutputFormat) -> Any:
        with self._short_session(as_of) as session:
            return session._sql(query, params, format)

    def tables(self) -> list[TableInfo]:
        with self._short_session() as session:
            return session.tables()

    def has_table(self, table: str) -> bool:
        name = table_name(table)
        with self._short_session() as session, session.running() as cur:
            return self.retrying(lambda: columns(cur, name, self.schema) != {})

    def _read_file(self, path: Path, file_format: str | None) -> pa.Table:
        if not path.is_file():
            raise InputFileError(f"File {str(path)!r} does not exist.")
        kind = (file_format or path.suffix.lstrip(".")).lower()
        reader = _FILE_READERS.get(kind)
        if reader is None:
            raise InputFileError(
                f"Cannot tell how to read {path.name!r}; use a .csv, .parquet or .json file, or name its format."
            )
        with self._short_session() as session, session.running() as cur:
            try:
                return cur.sql(f"SELECT * FROM {reader}(?)", params=[str(path)]).to_arrow_table()
            except duckdb.Error as exc:
                raise InputFileError(
                    f"Could not parse {path.name!r} as {kind}: {first_line(exc)}", detail=str(exc)
                ) from exc

    def close(self) -> None:
        """Cancel the queries still running in open sessions, then close every cursor."""
        with self._guard:
            if self._closed:
                return
            self._closed = True
            sessions, idle = list(self._open), self._idle
            self._open, self._idle = set(), []
        for session in sessions:
            session.cancel()
        with self._write_lock:
            for cursor in [*idle, *([self._writer] if self._writer is not None else [])]:
                cursor.close()
            self._con.close()  # the database instance ends: a DuckDB file is free for other processes
            self._writer = None
            self._con.close()
