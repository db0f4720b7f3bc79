"""Writes on a DuckDB-based store: a batch records them, a writer applies them in one transaction."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from typing import TYPE_CHECKING, Any

import duckdb

from hpdp.adapters.arrow import to_arrow
from hpdp.adapters.stores.sql import CATALOG, literal, quote
from hpdp.application.store_ports import AbstractBatch
from hpdp.domain.errors import InvalidWriteError, UnknownTableError, WriteError, first_line
from hpdp.domain.model import WriteMode, WriteResult

if TYPE_CHECKING:
    import pyarrow as pa  # annotations only: pyarrow loads when a result needs it


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


def columns(con: duckdb.DuckDBPyConnection, table: str, schema: str) -> dict[str, str]:
    """Column names and types of a store table ({} when it does not exist)."""
    owner, _, name = table.rpartition(".")
    # Literals, not bound parameters: binding a list makes duckdb import pandas (0.4 s per process).
    rows = con.execute(
        f"SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = {literal(CATALOG)} "
        f"AND schema_name = {literal(owner or schema)} AND table_name = {literal(name)} ORDER BY column_index"
    ).fetchall()
    return dict(rows)


_BAD_DATA = (
    duckdb.InvalidInputException,
    duckdb.ConversionException,
    duckdb.ConstraintException,
    duckdb.BinderException,
)


class BatchWriter:
    """Applies a batch on one cursor: BEGIN, every write and drop, COMMIT (or ROLLBACK and WriteError)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, schema: str, refresh: Callable[[], None]) -> None:
        self.con = con
        self.schema = schema
        self.refresh = refresh

    def apply(self, batch: DuckDBBatch) -> None:
        self.con.execute("BEGIN TRANSACTION")
        try:
            for op, args in batch.ops:
                if op == "write":
                    self._write(*args)
                else:
                    self._drop(*args)
            self.con.execute("COMMIT")
        except duckdb.Error as exc:
            self._rollback()
            # the data does not fit (bad values, types, constraints): the caller's input, not a failure of ours
            bad_input = isinstance(exc, _BAD_DATA)
            error = InvalidWriteError if bad_input else WriteError
            raise error(f"Write failed and was rolled back: {first_line(exc)}", detail=str(exc)) from exc
        except BaseException:
            self._rollback()
            raise

    def _rollback(self) -> None:
        with suppress(duckdb.Error):
            self.con.execute("ROLLBACK")
        self.refresh()

    def _exists(self, table: str) -> bool:
        return columns(self.con, table, self.schema) != {}

    def _write(self, table: str, incoming: pa.Table, mode: WriteMode, keys: tuple[str, ...]) -> None:
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
        current = columns(con, table, self.schema)
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
                raise InvalidWriteError(f"Merge key {k!r} is not a column of both the data and the table {table!r}.")
        if not keys or incoming.num_rows == 0:
            return
        cols = ", ".join(quote(k) for k in keys)
        # fetchall, never fetchone: a half-read result keeps the DuckLake catalog locked
        dups = self.con.execute(f"SELECT {cols} FROM {quote(view)} GROUP BY ALL HAVING count(*) > 1 LIMIT 1").fetchall()
        if dups:
            shown = ", ".join(f"{k}={v!r}" for k, v in zip(keys, dups[0], strict=True))
            raise InvalidWriteError(
                f"The data for {table!r} has the key {shown} more than once; a merge key must be unique."
            )
        null_test = " OR ".join(f"{quote(k)} IS NULL" for k in keys)
        nulls = self.con.execute(f"SELECT count(*) FROM {quote(view)} WHERE {null_test}").fetchall()[0][0]
        if nulls:
            raise InvalidWriteError(f"The data for {table!r} has {nulls} row(s) with a NULL merge key.")

    def _drop(self, table: str) -> None:
        if not self._exists(table):
            raise UnknownTableError(f"Table {table!r} does not exist.")
        self.con.execute(f"DROP TABLE {quote(table)}")

    def _types_of(self, view: str) -> dict[str, str]:
        rows = self.con.execute(f"DESCRIBE SELECT * FROM {quote(view)}").fetchall()
        return {r[0]: r[1] for r in rows}
