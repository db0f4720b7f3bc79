"""SQL cells on a DuckDB-based store: statements in order, `$name` bound from Python, frames queried by name.

The runner keeps one session of the store for the notebook: its own cursor, so saved views and registered
frames last from cell to cell. The last statement runs as `cursor.sql(query).pl()`, the fastest way DuckDB
hands a result to Python; nothing is copied on the way.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager, suppress
from typing import Any

import duckdb

from hpdp.adapters import glance, plots
from hpdp.adapters.attach import attach, detach
from hpdp.adapters.stores.errors import translate
from hpdp.adapters.stores.session import DuckDBSession
from hpdp.adapters.stores.sql import quote, quote_part
from hpdp.application.attach import Attachment
from hpdp.application.cells import AbstractCellRunner, CellResult, Step
from hpdp.application.plots import PlotSpec
from hpdp.domain.errors import HpdpError, QueryError, UnsupportedError
from hpdp.domain.model import table_name

__all__ = ["CellResult", "DuckDBCellRunner", "Step", "is_frame"]

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_FRAME_TYPES = {
    ("polars", "DataFrame"),
    ("polars", "LazyFrame"),
    ("pandas", "DataFrame"),
    ("pyarrow", "Table"),
    ("pyarrow", "RecordBatch"),
}
# Statement kinds that may share one transaction (a failed cell then changes nothing).
_TRANSACTIONAL = {"SELECT", "INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "ALTER", "EXPLAIN", "COPY"}
_COUNTED = {"INSERT", "UPDATE", "DELETE"}


def is_frame(value: Any) -> bool:
    kind = type(value)
    return (kind.__module__.partition(".")[0], kind.__name__) in _FRAME_TYPES


class DuckDBCellRunner(AbstractCellRunner):
    """Runs SQL cells in one long-lived session of a DuckDB-based store."""

    def __init__(self, store: Any) -> None:
        session = store.session() if callable(getattr(store, "session", None)) else None
        if not isinstance(session, DuckDBSession):
            if session is not None:
                session.close()
            raise UnsupportedError(
                f"SQL cells need a DuckDB-based store, and {type(store).__name__} is not one.",
                hint="use one of the built-in engines",
            )
        self.store = store
        self.session = session
        self._kept: set[str] = set()  # frames that stay registered (saved views and lazy relations use them)
        self._attached: list[str] = []  # databases attached by the notebook, detached when it ends

    def close(self) -> None:
        with suppress(HpdpError, duckdb.Error), self.session.running() as con:
            for name in self._attached:
                detach(con, name)
        self._attached = []
        self.session.close()

    def interrupt(self) -> None:
        self.session.interrupt_query()

    def _run(
        self,
        sql: str,
        namespace: Mapping[str, Any],
        format: str,
        as_of: int | None,
        save: str | None,
        explain: bool,
        plot: PlotSpec | None = None,
    ) -> CellResult:
        started = time.perf_counter()
        session = self.session
        with session.running() as con:
            statements = self._parse(con, sql)
            params = [self._params(s, namespace) for s in statements]
            keep = save is not None or format == "relation"
            with self._frames(con, sql, namespace, keep), session.at(as_of):
                if save is not None:
                    self._check_save(con, save, statements[-1], params[-1])
                steps = self._execute(con, statements, params, format, explain, save, plot)
        value = steps.pop()
        return CellResult(value, statements[-1].type.name, time.perf_counter() - started, steps)

    # -- steps ----------------------------------------------------------------------------------------
    @staticmethod
    def _parse(con: Any, sql: str) -> list[Any]:
        try:
            statements = con.extract_statements(sql)
        except duckdb.Error as exc:
            raise _error(exc) from exc
        if not statements:
            raise QueryError("The cell holds no SQL statement; write a query in the cell.")
        return statements

    @staticmethod
    def _params(statement: Any, namespace: Mapping[str, Any]) -> dict[str, Any] | None:
        names = statement.named_parameters
        if not names:
            return None
        missing = sorted(n for n in names if n not in namespace)
        if missing:
            raise QueryError(
                f"The SQL uses ${missing[0]} but no Python variable {missing[0]!r} is defined; "
                "assign it in a cell before this one."
            )
        return {n: namespace[n] for n in names}

    @contextmanager
    def _frames(self, con: Any, sql: str, namespace: Mapping[str, Any], keep: bool) -> Iterator[None]:
        """Register the DataFrames the SQL names (unless a table or view of that name exists)."""
        wanted = {n for n in set(_IDENTIFIER.findall(sql)) if n in namespace and is_frame(namespace[n])}
        if wanted:
            wanted -= self._existing(con, wanted - self._kept)
        for name in wanted:
            con.register(name, namespace[name])
        try:
            yield
        finally:
            if keep:
                self._kept |= wanted
            else:
                for name in wanted - self._kept:
                    con.unregister(name)

    @staticmethod
    def _existing(con: Any, names: set[str]) -> set[str]:
        if not names:
            return set()
        rows = con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE list_contains($names, table_name) "
            "UNION SELECT view_name FROM duckdb_views() WHERE list_contains($names, view_name)",
            {"names": sorted(names)},
        ).fetchall()
        return {r[0] for r in rows}

    def _check_save(self, con: Any, name: str, statement: Any, params: dict[str, Any] | None) -> None:
        table_name(name)
        if "." in name or statement.type.name != "SELECT":
            raise QueryError("Saving a query needs a plain name and a cell that ends with a SELECT query.")
        if params:
            raise QueryError("A saved query cannot keep $parameters; write the values into a table first.")
        if name not in self._views(con) and name in self._existing(con, {name}):
            raise QueryError(f"Saving the query as {name} would hide the table {name!r}; pick another name.")

    @staticmethod
    def _views(con: Any) -> set[str]:
        rows = con.execute("SELECT view_name FROM duckdb_views() WHERE temporary AND NOT internal")
        return {r[0] for r in rows.fetchall()}

    def _execute(
        self,
        con: Any,
        statements: list[Any],
        params: list[Any],
        format: str,
        explain: bool,
        save: str | None,
        plot: PlotSpec | None = None,
    ) -> list[Any]:
        """Run every statement; return their steps followed by the last one's value."""
        atomic = len(statements) > 1 and all(s.type.name in _TRANSACTIONAL for s in statements)
        steps: list[Any] = []
        if atomic:
            con.execute("BEGIN TRANSACTION")
        index = 0
        try:
            for statement, bound in zip(statements[:-1], params, strict=False):
                steps.append(self._step(con, statement, bound))
                index += 1
            last, bound = statements[-1], params[-1]
            query = last.query.strip()
            began = time.perf_counter()
            if explain:
                value: Any = "\n".join(r[1] for r in con.sql(f"EXPLAIN {query}", params=bound).fetchall())
            elif plot is not None:
                if last.type.name != "SELECT":
                    raise QueryError("A plot needs a cell that ends with a SELECT query.")
                value = plots.summarize(con, query, bound, plot)
            else:
                rel = con.sql(query, params=bound) if bound else con.sql(query)
                value = _convert(rel, format)
            if save is not None:
                con.execute(f"CREATE OR REPLACE TEMP VIEW {quote(save)} AS {query}")
            if atomic:
                con.execute("COMMIT")
        except duckdb.Error as exc:
            if atomic:
                _rollback(con)
            if isinstance(exc, duckdb.InterruptException):
                raise
            raise _error(exc, index, len(statements), atomic, self.session.relation_names) from exc
        except BaseException:
            if atomic:
                _rollback(con)
            raise
        rows = len(value.rows) if plot is not None else _rows(value)
        steps.append(Step(_short(query), last.type.name, time.perf_counter() - began, rows))
        steps.append(value)
        return steps

    # -- by name: plots of tables, the schema at a glance, attached databases ----------------------------
    def relation(self, name: str) -> str:
        return ".".join(quote_part(part) for part in name.split("."))

    def _glance(self, what: str, table: str | None, format: str) -> Any:
        with self.session.running() as con:
            try:
                if what == "describe":
                    assert table is not None
                    return glance.describe(con, self.relation(table), table)
                rel = glance.tables(con, self._attached) if table is None else glance.columns(con, self.relation(table))
                return _convert(rel, format)
            except duckdb.Error as exc:
                raise _error(exc, known=self.session.relation_names) from exc

    def _attach(self, attachment: Attachment) -> str:
        with self.session.running() as con:
            attach(con, attachment, self.store.options.extension_dir, replace=attachment.name in self._attached)
        if attachment.name not in self._attached:
            self._attached.append(attachment.name)
        mode = "read-write" if attachment.write else "read-only"
        return f"Attached {attachment.kind} database {attachment.shown()} as {attachment.name} ({mode})."

    @staticmethod
    def _step(con: Any, statement: Any, bound: dict[str, Any] | None) -> Step:
        began = time.perf_counter()
        cursor = con.execute(statement.query, bound) if bound else con.execute(statement.query)
        rows = None
        if statement.type.name in _COUNTED:
            counts = cursor.fetchall()  # read to the end, so no half-read result holds the catalog
            rows = int(counts[0][0]) if counts else None
        return Step(_short(statement.query), statement.type.name, time.perf_counter() - began, rows)


def _convert(rel: Any, format: str) -> Any:
    if rel is None:
        return None
    if format == "polars":
        return rel.pl()
    if format == "pandas":
        return rel.df()
    if format == "arrow":
        return rel.to_arrow_table()
    return rel


def _rows(value: Any) -> int | None:
    if value is None or isinstance(value, str) or not hasattr(value, "__len__"):
        return None
    return len(value)


def _rollback(con: Any) -> None:
    with suppress(duckdb.Error):
        con.execute("ROLLBACK")


def _short(sql: str, width: int = 70) -> str:
    text = " ".join(sql.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _error(
    exc: duckdb.Error,
    index: int = 0,
    count: int = 1,
    rolled_back: bool = False,
    known: Callable[[], Collection[str]] | None = None,
) -> HpdpError:
    """DuckDB's message with its hint and the `LINE n: ... ^` position, as one short error."""
    err = translate(exc, known=known)
    detail = err.detail or str(exc)
    extra = [line for line in detail.splitlines()[1:] if line.strip() and not line.startswith("Did you mean")]
    head = str(err)
    if count > 1:
        head += f" (statement {index + 1} of {count}{'; nothing was changed' if rolled_back else ''})"
    return type(err)("\n".join([head, *extra]), code=err.code, detail=detail)
