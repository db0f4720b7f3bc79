"""SQL cells on a DuckDB-based store: statements in order, `$name` bound from Python, frames queried by name.

The runner keeps one session of the store for the notebook: its own cursor, so saved views and registered
frames last from cell to cell. The last statement runs as `cursor.sql(query).pl()`, the fastest way DuckDB
hands a result to Python; nothing is copied on the way.

A big result can be kept instead (`keep_over`): the runner remembers the last query's text, parameters and
snapshot, and pages, sorts and exports it later by wrapping it in `SELECT * FROM (query) ORDER BY ... LIMIT
... OFFSET ...` or `COPY (query) TO ...` on the same session; a lazy one is only counted, never read whole.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from hpdp.adapters import glance, plots
from hpdp.adapters.attach import attach, detach
from hpdp.adapters.stores.errors import translate
from hpdp.adapters.stores.session import DuckDBSession
from hpdp.adapters.stores.sql import INTERNAL_PREFIX, literal, quote, quote_part
from hpdp.application.attach import Attachment
from hpdp.application.cells import AbstractCellRunner, CellResult, KeptResult, ResultPage, Step
from hpdp.application.plots import PlotSpec
from hpdp.application.sql_completion import Relation, SqlNames
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
KEPT_RESULTS = 32  # kept results per notebook; older ones are forgotten (they hold only a query's text)


@dataclass(frozen=True)
class _Query:
    """A kept result: the query that makes it, its bound values and snapshot, and its first page."""

    sql: str
    params: dict[str, Any] | None
    as_of: int | None
    kept: KeptResult


@dataclass
class _Frames:
    keep: bool  # leave the frames registered after the cell (a saved view or a kept result reads them later)


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
        self._results: OrderedDict[int, _Query] = OrderedDict()
        self._last_id = 0
        # DuckDB tracks a query's progress only with its progress bar on; it prints nothing here
        with suppress(duckdb.Error):
            session.cursor.execute("SET enable_progress_bar = true; SET enable_progress_bar_print = false")
        self._words: tuple[tuple[str, ...], tuple[str, ...]] | None = None  # keywords, functions

    def close(self) -> None:
        self._results.clear()
        with suppress(HpdpError, duckdb.Error), self.session.running() as con:
            for name in self._attached:
                detach(con, name)
        self._attached = []
        self.session.close()

    def names(self, namespace: Mapping[str, Any]) -> SqlNames:
        with self.session.running() as con:
            catalog = [self.session.catalog, "temp"]
            columns = con.execute(
                "SELECT table_name, list(column_name ORDER BY column_index) FROM duckdb_columns() "
                "WHERE NOT internal AND list_contains($db, database_name) GROUP BY ALL",
                {"db": catalog},
            ).fetchall()
            views = con.execute(
                "SELECT view_name FROM duckdb_views() WHERE NOT internal AND list_contains($db, database_name)",
                {"db": catalog},
            ).fetchall()
            if self._words is None:
                self._words = _words(con)
        view_names = {v for (v,) in views}
        relations = {
            name: Relation("view" if name in view_names else "table", tuple(cols))
            for name, cols in columns
            if not name.startswith(INTERNAL_PREFIX)
        }
        for name, value in namespace.items():
            if not name.startswith("_") and name not in relations and is_frame(value):
                relations[name] = Relation("frame", _frame_columns(value))
        return SqlNames(relations, *self._words)

    def interrupt(self) -> None:
        self.session.interrupt_query()

    def progress(self) -> float | None:
        with suppress(duckdb.Error):
            done = self.session.cursor.query_progress()
            if done >= 0:
                return min(done, 100.0) / 100
        return None

    def _run(
        self,
        sql: str,
        namespace: Mapping[str, Any],
        format: str,
        as_of: int | None,
        save: str | None,
        explain: bool,
        keep_over: int | None,
        lazy: bool,
        plot: PlotSpec | None = None,
    ) -> CellResult:
        started = time.perf_counter()
        session = self.session
        with session.running() as con:
            statements = self._parse(con, sql)
            params = [self._params(s, namespace) for s in statements]
            with self._frames(con, sql, namespace) as frames, session.at(as_of):
                if save is not None:
                    self._check_save(con, save, statements[-1], params[-1])
                steps = self._execute(con, statements, params, format, explain, save, keep_over, lazy, plot)
                kept = self._remember(steps.pop(), params[-1], as_of)
                frames.keep = save is not None or format == "relation" or kept is not None
        value = steps.pop()
        return CellResult(value, statements[-1].type.name, time.perf_counter() - started, steps, kept)

    # -- kept results ---------------------------------------------------------------------------------
    def _remember(self, made: tuple[str, ResultPage] | None, params: Any, as_of: int | None) -> KeptResult | None:
        if made is None:
            return None
        self._last_id += 1
        kept = KeptResult(self._last_id, made[1])
        self._results[kept.id] = _Query(made[0], params, as_of, kept)
        while len(self._results) > KEPT_RESULTS:
            self._results.popitem(last=False)
        return kept

    def _kept_result(self, result: int) -> KeptResult | None:
        query = self._results.get(result)
        return None if query is None else query.kept

    def _page(self, result: int, offset: int, limit: int, order_by: str | None, descending: bool) -> ResultPage:
        query = self._results[result]
        first = query.kept.first
        with self._on(query) as con:
            rows = _page_rows(con, query.sql, query.params, offset, limit, order_by, descending)
        return ResultPage(first.columns, first.types, rows, offset, first.total)

    def _fetch(self, result: int, format: str) -> Any:
        query = self._results[result]
        with self._on(query) as con:
            return _convert(_sql(con, f"SELECT * FROM (\n{query.sql}\n)", query.params), format)

    def _export(self, result: int, path: Path, format: str) -> None:
        query = self._results[result]
        options = "FORMAT parquet" if format == "parquet" else "FORMAT csv, HEADER true"
        copy = f"COPY (\n{query.sql}\n) TO {literal(str(path))} ({options})"
        with self._on(query) as con:
            con.execute(copy, query.params) if query.params else con.execute(copy)

    @contextmanager
    def _on(self, query: _Query) -> Iterator[Any]:
        """The session's cursor at the kept query's snapshot, with DuckDB errors as short ones."""
        with self.session.running() as con, self.session.at(query.as_of):
            try:
                yield con
            except duckdb.Error as exc:
                if isinstance(exc, duckdb.InterruptException):
                    raise
                raise _error(exc, known=self.session.relation_names) from exc

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
    def _frames(self, con: Any, sql: str, namespace: Mapping[str, Any]) -> Iterator[_Frames]:
        """Register the DataFrames the SQL names (unless a table or view of that name exists)."""
        wanted = {n for n in set(_IDENTIFIER.findall(sql)) if n in namespace and is_frame(namespace[n])}
        if wanted:
            wanted -= self._existing(con, wanted - self._kept)
        for name in wanted:
            con.register(name, namespace[name])
        frames = _Frames(keep=False)
        try:
            yield frames
        finally:
            if frames.keep:
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
        keep_over: int | None,
        lazy: bool,
        plot: PlotSpec | None = None,
    ) -> list[Any]:
        """Run every statement; return their steps, the last one's value, and what to keep of it (or None)."""
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
            made: tuple[str, ResultPage] | None = None
            rows: int | None = None
            if explain:
                value: Any = "\n".join(r[1] for r in con.sql(f"EXPLAIN {query}", params=bound).fetchall())
            elif plot is not None:
                if last.type.name != "SELECT":
                    raise QueryError("A plot needs a cell that ends with a SELECT query.")
                value = plots.summarize(con, query, bound, plot)
                rows = len(value.rows)
            elif keep_over is not None and last.type.name == "SELECT":
                value, made = _keep(con, query, bound, format, keep_over, lazy)
                rows = made[1].total if made else None
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
        rows = _rows(value) if rows is None else rows
        steps.append(Step(_short(query), last.type.name, time.perf_counter() - began, rows))
        steps += [value, made]
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


def _sql(con: Any, sql: str, params: dict[str, Any] | None) -> Any:
    return con.sql(sql, params=params) if params else con.sql(sql)


def _keep(
    con: Any, query: str, params: dict[str, Any] | None, format: str, over: int, lazy: bool
) -> tuple[Any, tuple[str, ResultPage] | None]:
    """The value of a last SELECT, and its first page when it has more than `over` rows.

    Lazily, only `over + 1` rows are read to tell, and a bigger result is counted, not read; otherwise the
    result is read whole as today. Either way its query is wrapped, never changed: paging re-runs it.
    """
    if lazy:
        head = _sql(con, f"SELECT * FROM (\n{query}\n) LIMIT {over + 1}", params)
        value = _convert(head, format)
        if len(value) <= over:
            return value, None
        total = int(_sql(con, f"SELECT count(*) FROM (\n{query}\n)", params).fetchone()[0])
        value = None
    else:
        head = _sql(con, query, params)
        value = _convert(head, format)
        total = len(value)
        if total <= over:
            return value, None
    rows = _page_rows(con, query, params, 0, over, None, False)
    page = ResultPage(list(head.columns), [str(t) for t in head.types], rows, 0, total)
    return value, (query, page)


def _page_rows(
    con: Any,
    query: str,
    params: dict[str, Any] | None,
    offset: int,
    limit: int,
    order_by: str | None,
    descending: bool,
) -> list[tuple[Any, ...]]:
    """One page of the query by DuckDB: sorted by a column (NULLs last) if asked, then LIMIT/OFFSET."""
    order = f" ORDER BY {quote_part(order_by)} {'DESC' if descending else 'ASC'} NULLS LAST" if order_by else ""
    page = f"SELECT * FROM (\n{query}\n){order} LIMIT {int(limit)} OFFSET {int(offset)}"
    return list(_sql(con, page, params).fetchall())


def _words(con: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    keywords = con.execute("SELECT keyword_name FROM duckdb_keywords() ORDER BY 1").fetchall()
    functions = con.execute(
        "SELECT DISTINCT function_name FROM duckdb_functions() "
        "WHERE function_type IN ('scalar', 'aggregate', 'table', 'macro', 'table_macro') "
        "AND function_name SIMILAR TO '[a-z_][a-z0-9_]*' ORDER BY 1"
    ).fetchall()
    return tuple(k for (k,) in keywords), tuple(f for (f,) in functions)


def _frame_columns(frame: Any) -> tuple[str, ...]:
    if hasattr(frame, "collect_schema"):  # Polars; a LazyFrame tells its schema without running
        return tuple(frame.collect_schema().names())
    names = frame.column_names if hasattr(frame, "column_names") else frame.columns  # pyarrow, pandas
    return tuple(str(n) for n in names)


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
