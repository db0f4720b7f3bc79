"""Table profiles, samples and cleaned copies computed by DuckDB inside the store (one pass per question)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hpdp.adapters.stores.sql import literal, quote
from hpdp.application.profiling import AbstractTableProfiler, Sample
from hpdp.application.store_ports import AbstractStore
from hpdp.domain.cleaning import MISSING_MARKERS, ColumnChange, ColumnProfile
from hpdp.domain.errors import UnknownTableError

NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT")
NUMERIC += ("FLOAT", "REAL", "DOUBLE")
SHOWN_COLUMNS = 12  # columns shown beside each anomalous row
_MARKERS = "(" + ", ".join(literal(m) for m in MISSING_MARKERS) + ")"


def _numeric(dtype: str) -> bool:
    return dtype.upper() in NUMERIC or dtype.upper().startswith("DECIMAL")


def _text(dtype: str) -> bool:
    return dtype.upper() == "VARCHAR"


def _is_marker(column: str) -> str:
    return f"lower(trim({column})) IN {_MARKERS}"


class DuckDBTableProfiler(AbstractTableProfiler):
    """Works on every store whose query engine is DuckDB (all built-in ones)."""

    def __init__(self, store: AbstractStore) -> None:
        self.store = store

    def _rows(self, query: str) -> list[tuple[Any, ...]]:
        result = self.store.sql(query, format="arrow")
        return [tuple(r.values()) for r in result.to_pylist()]

    def _columns(self, table: str) -> list[tuple[str, str]]:
        if not self.store.has_table(table):
            raise UnknownTableError(f"Table {table!r} does not exist.")
        with self.store.session() as session:
            return session.columns(table)

    def _types(self, table: str) -> list[tuple[str, str]]:
        """(name, DuckDB type) of each column, in order."""
        self._columns(table)  # the table must exist
        return [(r[0], str(r[1])) for r in self._rows(f"DESCRIBE SELECT * FROM {quote(table)}")]

    def numeric_columns(self, table: str) -> list[str]:
        return [name for name, dtype in self._types(table) if _numeric(dtype)]

    def numeric_sample(self, table: str, columns: Sequence[str], max_rows: int) -> Sample:
        total = int(self._rows(f"SELECT count(*) FROM {quote(table)}")[0][0])
        names = [n for n, _ in self._types(table)]
        shown = list(dict.fromkeys([*columns, *names]))[: max(SHOWN_COLUMNS, len(columns))]
        select = ", ".join(quote(c) for c in shown)
        sample = f" USING SAMPLE reservoir({int(max_rows)} ROWS) REPEATABLE (7)" if total > max_rows else ""
        data = self.store.sql(f"SELECT {select} FROM {quote(table)}{sample}", format="arrow")
        return Sample({c: data.column(c).to_pylist() for c in shown}, tuple(shown), total)

    def profiles(self, table: str, max_variants: int = 1000) -> list[ColumnProfile]:
        types = self._types(table)
        parts = ["count(*)"]
        for name, dtype in types:
            c = quote(name)
            parts += [f"count({c})", f"count(DISTINCT {c})"]
            if _text(dtype):
                kept = f"{c} IS NOT NULL AND NOT {_is_marker(c)}"
                parts += [
                    f"count(*) FILTER (WHERE {_is_marker(c)})",
                    f"count(*) FILTER (WHERE {kept})",
                    f"count(*) FILTER (WHERE {kept} AND regexp_full_match(trim({c}), '[+-]?[0-9]{{1,18}}'))",
                    f"count(TRY_CAST(trim({c}) AS DOUBLE)) FILTER (WHERE {kept})",
                    # a date alone, not the date part of a timestamp
                    f"count(TRY_CAST(trim({c}) AS DATE)) FILTER (WHERE {kept} AND length(trim({c})) <= 10)",
                    f"count(TRY_CAST(trim({c}) AS TIMESTAMP)) FILTER (WHERE {kept})",
                    f"count(*) FILTER (WHERE {kept} AND lower(trim({c})) IN ('true', 'false'))",
                ]
        row = self._rows(f"SELECT {', '.join(parts)} FROM {quote(table)}")[0]
        rows, at, out = int(row[0]), 1, []
        for name, dtype in types:
            non_null, distinct = int(row[at]), int(row[at + 1])
            at += 2
            if not _text(dtype):
                out.append(ColumnProfile(name, dtype, rows, rows - non_null, distinct))
                continue
            markers, values, big, dbl, date, ts, boolean = (int(v) for v in row[at : at + 7])
            at += 7
            variants = self._variants(table, name) if 1 < distinct <= max_variants else ()
            out.append(
                ColumnProfile(
                    name, dtype, rows, rows - non_null, distinct, True, markers, values, big, dbl, date, ts, boolean,
                    variants,
                )
            )  # fmt: skip
        return out

    def _variants(self, table: str, column: str) -> tuple[tuple[str, ...], ...]:
        """Groups of spellings equal up to case and surrounding spaces; first the one to keep: without
        surrounding spaces, then the most frequent."""
        c = quote(column)
        rows = self._rows(
            f"SELECT list(v ORDER BY v <> trim(v), n DESC, v) FROM (SELECT {c} AS v, count(*) AS n FROM {quote(table)} "
            f"WHERE {c} IS NOT NULL AND NOT {_is_marker(c)} GROUP BY {c}) "
            "GROUP BY lower(trim(v)) HAVING count(*) > 1 ORDER BY min(lower(trim(v)))"
        )
        return tuple(tuple(r[0]) for r in rows)

    def duplicate_keys(self, table: str, key: Sequence[str]) -> tuple[int, list[Any]]:
        cols = ", ".join(quote(k) for k in key)
        shown = quote(key[0]) if len(key) == 1 else f"row({cols})::VARCHAR"
        rows = self._rows(
            f"SELECT count(*), list(k ORDER BY k)[1:5] FROM (SELECT {shown} AS k FROM {quote(table)} "
            f"GROUP BY {cols} HAVING count(*) > 1)"
        )
        count, examples = rows[0]
        return int(count), list(examples or [])

    def cleaned(self, table: str, changes: Sequence[ColumnChange]) -> Any:
        by_column = {ch.column: ch for ch in changes}
        select = []
        for name, _ in self._types(table):
            change = by_column.get(name)
            select.append(f"{_expression(change)} AS {quote(name)}" if change else quote(name))
        return self.store.sql(f"SELECT {', '.join(select)} FROM {quote(table)}", format="arrow")


def _expression(change: ColumnChange) -> str:
    """Markers to NULL, variants to their chosen spelling, then a strict CAST (a value that no longer parses
    stops the write rather than becoming NULL)."""
    expr = quote(change.column)
    if change.nullify_markers:
        expr = f"CASE WHEN {_is_marker(expr)} THEN NULL ELSE {expr} END"
    if change.canonical:
        cases = " ".join(f"WHEN {literal(k)} THEN {literal(v)}" for k, v in change.canonical.items())
        expr = f"CASE {expr} {cases} ELSE {expr} END"
    if change.cast == "BOOLEAN":
        expr = f"CAST(lower(trim({expr})) AS BOOLEAN)"
    elif change.cast:
        expr = f"CAST(trim({expr}) AS {change.cast})"
    return expr
