"""The shared DuckDB machinery: every store attaches its catalog to one DuckDB connection as `store`."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import duckdb

from hpdp.adapters.arrow import to_arrow
from hpdp.adapters.stores import extensions
from hpdp.adapters.stores.errors import translate, user_relations
from hpdp.application.ports import AbstractBatch, AbstractStore, StoreOptions
from hpdp.domain.errors import InputFileError, UnknownTableError, WriteError, first_line
from hpdp.domain.model import OutputFormat, TableInfo, WriteMode, WriteResult

if TYPE_CHECKING:
    import pyarrow as pa  # loaded by DuckDB on the first Arrow result

T = TypeVar("T")
CATALOG = "store"
INTERNAL_PREFIX = "_hpdp_"
_FILE_READERS = {
    "csv": "read_csv_auto",
    "tsv": "read_csv_auto",
    "parquet": "read_parquet",
    "json": "read_json_auto",
    "ndjson": "read_json_auto",
    "jsonl": "read_json_auto",
}


def literal(text: str) -> str:
    """A SQL string literal (for statements such as ATTACH that take no parameters)."""
    return "'" + text.replace("'", "''") + "'"


def quote(name: str) -> str:
    return ".".join('"' + part.replace('"', '""') + '"' for part in name.split("."))


def convert(rel: duckdb.DuckDBPyRelation | None, format: OutputFormat) -> Any:
    """Materialise a relation at once in the requested format (never a half-read reader)."""
    if rel is None:
        return None
    if format is OutputFormat.POLARS:
        return rel.pl()
    if format is OutputFormat.PANDAS:
        return rel.df()
    return rel.to_arrow_table()


class DuckDBBatch(AbstractBatch):
    """Records the writes of one batch; the store applies them in one transaction at the end."""

    def __init__(self) -> None:
        self.ops: list[tuple[str, tuple[Any, ...]]] = []

    def _write(self, table: str, data: Any, mode: WriteMode, keys: tuple[str, ...]) -> WriteResult:
        incoming = to_arrow(data)
        self.ops.append(("write", (table, incoming, mode, keys)))
        return WriteResult(table=table, mode=mode, rows_written=incoming.num_rows)

    def _drop(self, table: str) -> None:
        self.ops.append(("drop", (table,)))


class DuckDBEngineStore(AbstractStore):
    """Base of the built-in stores: subclasses say which extensions to load and how to attach."""

    extensions_needed: tuple[str, ...] = ()
    schema = "main"

    def __init__(self, options: StoreOptions) -> None:
        self.options = options
        self._lock = threading.RLock()
        self.con = extensions.connect(options.extension_dir, self.extensions_needed)
        try:
            self._retrying(self._attach)
            self.con.execute(f"USE {CATALOG}")
        except BaseException:
            self.con.close()
            raise

    def _attach(self) -> None:
        raise NotImplementedError

    # -- writes -------------------------------------------------------------------------------------
    commit_attempts = 1

    @contextmanager
    def _batch(self) -> Iterator[DuckDBBatch]:
        batch = DuckDBBatch()
        yield batch
        with self._lock:
            self._retrying(lambda: self._apply(batch))

    def _retrying(self, action: Callable[[], T]) -> T:
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

    def _apply(self, batch: DuckDBBatch) -> None:
        self.con.execute("BEGIN TRANSACTION")
        try:
            for op, args in batch.ops:
                if op == "write":
                    self._apply_write(*args)
                else:
                    self._apply_drop(*args)
            self.con.execute("COMMIT")
        except duckdb.Error as exc:
            self._rollback()
            raise WriteError(f"Write failed and was rolled back: {first_line(exc)}") from exc
        except BaseException:
            self._rollback()
            raise

    def _rollback(self) -> None:
        with suppress(duckdb.Error):
            self.con.execute("ROLLBACK")
        self._refresh_catalog()

    def _refresh_catalog(self) -> None:
        """Forget cached schema information (engines that cache it override this)."""

    def _apply_write(self, table: str, incoming: pa.Table, mode: WriteMode, keys: tuple[str, ...]) -> None:
        view = f"__hpdp_incoming_{id(incoming)}"
        self.con.register(view, incoming)
        try:
            self._write_view(table, view, incoming, mode, keys)
        finally:
            self.con.unregister(view)

    def _write_view(self, table: str, view: str, incoming: pa.Table, mode: WriteMode, keys: tuple[str, ...]) -> None:
        con, target = self.con, quote(table)
        exists = self._exists(table)
        if mode is WriteMode.REPLACE and exists:
            con.execute(f"DROP TABLE {target}")
            exists = False
        if not exists:
            self._check_keys(view, incoming, keys, table)
            con.execute(f"CREATE TABLE {target} AS SELECT * FROM {quote(view)}")
            return
        current = self._columns(table)
        for name, dtype in self._types_of(view).items():
            if name not in current:
                con.execute(f"ALTER TABLE {target} ADD COLUMN {quote(name)} {dtype}")
        if mode is WriteMode.MERGE:
            self._check_keys(view, incoming, keys, table, current)
            match = " AND ".join(f"t.{quote(k)} = i.{quote(k)}" for k in keys)
            con.execute(f"DELETE FROM {target} AS t WHERE EXISTS (SELECT 1 FROM {quote(view)} AS i WHERE {match})")
        con.execute(f"INSERT INTO {target} BY NAME SELECT * FROM {quote(view)}")

    def _check_keys(
        self, view: str, incoming: pa.Table, keys: tuple[str, ...], table: str, current: dict[str, str] | None = None
    ) -> None:
        for k in keys:
            if k not in incoming.column_names or (current is not None and k not in current):
                raise WriteError(f"Merge key {k!r} is not a column of both the data and the table {table!r}.")
        if not keys or incoming.num_rows == 0:
            return
        cols = ", ".join(quote(k) for k in keys)
        # fetchall, never fetchone: a half-read result keeps the DuckLake catalog locked
        dups = self.con.execute(f"SELECT {cols} FROM {quote(view)} GROUP BY ALL HAVING count(*) > 1 LIMIT 1").fetchall()
        if dups:
            dup = dups[0]
            shown = ", ".join(f"{k}={v!r}" for k, v in zip(keys, dup, strict=True))
            raise WriteError(f"The data for {table!r} has the key {shown} more than once; a merge key must be unique.")
        null_test = " OR ".join(f"{quote(k)} IS NULL" for k in keys)
        nulls = self.con.execute(f"SELECT count(*) FROM {quote(view)} WHERE {null_test}").fetchall()[0][0]
        if nulls:
            raise WriteError(f"The data for {table!r} has {nulls} row(s) with a NULL merge key.")

    def _apply_drop(self, table: str) -> None:
        if not self._exists(table):
            raise UnknownTableError(f"Table {table!r} does not exist; run `hpdp tables` to list the tables.")
        self.con.execute(f"DROP TABLE {quote(table)}")

    # -- reads --------------------------------------------------------------------------------------
    def _read(self, table: str, as_of: int | None, format: OutputFormat) -> Any:
        return self._sql(f"SELECT * FROM {quote(table)}{self._at(as_of)}", None, None, format, table=table)

    def _at(self, as_of: int | None) -> str:
        return ""

    def _sql(self, query: str, params: Any, as_of: int | None, format: OutputFormat, table: str | None = None) -> Any:
        def run() -> Any:
            rel = self.con.sql(query, params=params) if params else self.con.sql(query)
            return convert(rel, format)

        with self._lock, self._catalog_as_of(as_of):
            try:
                return self._retrying(run)
            except duckdb.Error as exc:
                raise translate(exc, table=table, known=self.relation_names) from exc

    @contextmanager
    def _catalog_as_of(self, as_of: int | None) -> Iterator[None]:
        yield

    def relation(self, query: str, params: Any = None) -> duckdb.DuckDBPyRelation:
        """A lazy DuckDB relation on the store (for callers that stream or chain)."""
        with self._lock:
            try:
                return self.con.sql(query, params=params) if params else self.con.sql(query)
            except duckdb.Error as exc:
                raise translate(exc, known=self.relation_names) from exc

    def relation_names(self) -> set[str]:
        """The user's tables and views (hidden tables left out); call it with the store's lock held."""
        return user_relations(self.con, CATALOG, INTERNAL_PREFIX)

    def tables(self) -> list[TableInfo]:
        with self._lock:
            return self._retrying(self._tables)

    def _tables(self) -> list[TableInfo]:
        self._refresh_catalog()
        names = [
            r[0]
            for r in self.con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = "
                f"{literal(CATALOG)} AND schema_name = {literal(self.schema)} ORDER BY table_name"
            ).fetchall()
            if not r[0].startswith(INTERNAL_PREFIX)
        ]
        if not names:
            return []
        counts = " UNION ALL ".join(f"SELECT {i} AS i, count(*) AS n FROM {quote(n)}" for i, n in enumerate(names))
        rows = dict(self.con.execute(counts).fetchall())
        return [TableInfo(name=n, rows=int(rows[i])) for i, n in enumerate(names)]

    def has_table(self, table: str) -> bool:
        with self._lock:
            return self._retrying(lambda: self._exists(table))

    def _exists(self, table: str) -> bool:
        return self._columns(table) != {}

    def _columns(self, table: str) -> dict[str, str]:
        schema, _, name = table.rpartition(".")
        # Literals, not bound parameters: binding a list makes duckdb import pandas (0.4 s per process).
        rows = self.con.execute(
            f"SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = {literal(CATALOG)} "
            f"AND schema_name = {literal(schema or self.schema)} AND table_name = {literal(name)} ORDER BY column_index"
        ).fetchall()
        return dict(rows)

    def _types_of(self, view: str) -> dict[str, str]:
        rows = self.con.execute(f"DESCRIBE SELECT * FROM {quote(view)}").fetchall()
        return {r[0]: r[1] for r in rows}

    def _read_file(self, path: Path, file_format: str | None) -> pa.Table:
        if not path.is_file():
            raise InputFileError(f"File {str(path)!r} does not exist.")
        kind = (file_format or path.suffix.lstrip(".")).lower()
        reader = _FILE_READERS.get(kind)
        if reader is None:
            raise InputFileError(
                f"Cannot tell how to read {path.name!r}; use a .csv, .parquet or .json file or pass --format."
            )
        with self._lock:
            try:
                return self.con.sql(f"SELECT * FROM {reader}(?)", params=[str(path)]).to_arrow_table()
            except duckdb.Error as exc:
                raise InputFileError(f"Could not parse {path.name!r} as {kind}: {first_line(exc)}") from exc

    def close(self) -> None:
        with self._lock:
            self.con.close()
