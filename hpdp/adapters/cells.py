"""SQL cells on a DuckDB-based store: statements in order, `$name` bound from Python, frames queried by name.

The last statement runs as `con.sql(query).pl()` on the store's own connection, the fastest way DuckDB
hands a result to Python; nothing is copied on the way.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

import duckdb

from hpdp.adapters.stores.base import DuckDBEngineStore, quote
from hpdp.adapters.stores.errors import translate
from hpdp.domain.errors import HpdpError, QueryError, UnsupportedError
from hpdp.domain.model import table_name

FORMATS = ("polars", "pandas", "arrow", "relation")
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


@dataclass
class Step:
    """One statement of a cell as it ran: what it was, how long it took, how many rows."""

    sql: str
    kind: str
    seconds: float
    rows: int | None = None


@dataclass
class CellResult:
    value: Any  # a frame, a pyarrow.Table, a lazy relation, the plan text, or None
    kind: str  # the last statement's type (SELECT, CREATE, ...)
    elapsed: float
    steps: list[Step] = field(default_factory=list)


def is_frame(value: Any) -> bool:
    kind = type(value)
    return (kind.__module__.partition(".")[0], kind.__name__) in _FRAME_TYPES


class DuckDBCellRunner:
    """Runs SQL cells on the store's DuckDB connection, under the store's lock."""

    def __init__(self, store: Any) -> None:
        if not isinstance(store, DuckDBEngineStore):
            raise UnsupportedError(
                f"SQL cells need a DuckDB-based store, and {type(store).__name__} is not one; "
                "use one of the built-in engines (HPDP_DB_ENGINE=ducklake)."
            )
        self.store = store
        self._kept: set[str] = set()  # frames that stay registered (saved views and lazy relations use them)

    def run(
        self,
        sql: str,
        namespace: Mapping[str, Any],
        *,
        format: str = "polars",
        as_of: int | None = None,
        save: str | None = None,
        explain: bool = False,
    ) -> CellResult:
        if format not in FORMATS:
            raise QueryError(f"Unknown result type {format!r}; use one of: {', '.join(FORMATS)}.")
        if format == "relation" and as_of is not None:
            raise QueryError("A lazy relation cannot read an earlier snapshot; drop --relation or --as-of.")
        # The runner is the store's DuckDB-side companion: it shares its lock, connection and snapshot switch.
        store, con = self.store, self.store.con
        started = time.perf_counter()
        with store._lock:
            statements = self._parse(sql)
            params = [self._params(s, namespace) for s in statements]
            keep = save is not None or format == "relation"
            with ExitStack() as stack:
                stack.enter_context(self._frames(sql, namespace, keep))
                store._check_as_of(as_of)
                stack.enter_context(store._catalog_as_of(as_of))
                if save is not None:
                    self._check_save(save, statements[-1], params[-1])
                steps = self._execute(con, statements, params, format, explain, save)
        value = steps.pop()
        return CellResult(value, statements[-1].type.name, time.perf_counter() - started, steps)

    # -- steps ----------------------------------------------------------------------------------------
    def _parse(self, sql: str) -> list[Any]:
        try:
            statements = self.store.con.extract_statements(sql)
        except duckdb.Error as exc:
            raise _error(exc) from exc
        if not statements:
            raise QueryError("The cell holds no SQL statement; write a query after %%sql.")
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
    def _frames(self, sql: str, namespace: Mapping[str, Any], keep: bool) -> Iterator[None]:
        """Register the DataFrames the SQL names (unless a table or view of that name exists)."""
        con = self.store.con
        wanted = {n for n in set(_IDENTIFIER.findall(sql)) if n in namespace and is_frame(namespace[n])}
        if wanted:
            wanted -= self._existing(wanted - self._kept)
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

    def _existing(self, names: set[str]) -> set[str]:
        if not names:
            return set()
        rows = self.store.con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE list_contains($names, table_name) "
            "UNION SELECT view_name FROM duckdb_views() WHERE list_contains($names, view_name)",
            {"names": sorted(names)},
        ).fetchall()
        return {r[0] for r in rows}

    def _check_save(self, name: str, statement: Any, params: dict[str, Any] | None) -> None:
        table_name(name)
        if "." in name or statement.type.name != "SELECT":
            raise QueryError("--save NAME needs a plain name and a cell that ends with a SELECT query.")
        if params:
            raise QueryError("--save cannot keep a query with $parameters; write the values into a table first.")
        if name not in self._views() and name in self._existing({name}):
            raise QueryError(f"--save {name} would hide the table {name!r}; pick another name.")

    def _views(self) -> set[str]:
        rows = self.store.con.execute("SELECT view_name FROM duckdb_views() WHERE temporary AND NOT internal")
        return {r[0] for r in rows.fetchall()}

    def _execute(
        self, con: Any, statements: list[Any], params: list[Any], format: str, explain: bool, save: str | None
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
            raise _error(exc, index, len(statements), atomic, self.store.relation_names) from exc
        except BaseException:
            if atomic:
                _rollback(con)
            raise
        rows = _rows(value)
        steps.append(Step(_short(query), last.type.name, time.perf_counter() - began, rows))
        steps.append(value)
        return steps

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
    detail: str = getattr(err, "detail", str(exc))
    extra = [line for line in detail.splitlines()[1:] if line.strip() and not line.startswith("Did you mean")]
    head = str(err)
    if count > 1:
        head += f" (statement {index + 1} of {count}{'; nothing was changed' if rolled_back else ''})"
    out = type(err)("\n".join([head, *extra]))
    out.detail = detail  # type: ignore[attr-defined]
    return out
