"""Turn DuckDB exceptions into the one-sentence errors users see."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection

import duckdb

from hpdp.domain.errors import HpdpError, QueryError, ReadOnlyStatementError, UnknownTableError, first_line

_MISSING_TABLE = re.compile(r"Table with name (\S+) does not exist")
_REFUSED = ("read-only mode", "the configuration has been locked", "file system operations are disabled")


def translate(
    exc: duckdb.Error, *, table: str | None = None, known: Callable[[], Collection[str]] | None = None
) -> HpdpError:
    """The user-facing error for a DuckDB failure; the full text stays on `detail`.

    `known` gives the user's own tables and views: a suggestion for a missing table names only one of them.
    """
    text = str(exc).strip()
    if isinstance(exc, duckdb.PermissionException) or any(words in text for words in _REFUSED):
        return ReadOnlyStatementError(
            "This SQL runs read-only: it may query the store's tables but not change data or settings, "
            "read or write files, or load extensions.",
            detail=text,
        )
    missing = _MISSING_TABLE.search(text)
    if missing and isinstance(exc, duckdb.CatalogException):
        name = table or missing.group(1)
        hint = _did_you_mean(text, known)
        err: HpdpError = UnknownTableError(f"Table {name!r} does not exist{hint}.", detail=text)
    else:
        kind = {
            duckdb.ParserException: "SQL syntax error",
            duckdb.BinderException: "SQL error",
            duckdb.CatalogException: "SQL error",
            duckdb.ConversionException: "Conversion error",
            duckdb.ConstraintException: "Constraint violated",
        }.get(type(exc), "Query failed")
        message = first_line(exc).split(": ", 1)[-1]
        err = QueryError(f"{kind}: {message}", detail=text)
    return err


def _did_you_mean(text: str, known: Callable[[], Collection[str]] | None) -> str:
    match = re.search(r'Did you mean "([^"]+)"', text)
    if not match or known is None:
        return ""
    name = match.group(1).split(".")[-1]
    try:
        ours = known()
    except duckdb.Error:
        return ""
    return f" (did you mean {name!r}?)" if name in ours else ""


def user_relations(con: duckdb.DuckDBPyConnection, catalog: str, hidden_prefix: str) -> set[str]:
    """Names of the tables and views in the store's catalog and the session's temporary views."""
    databases = f"('{catalog}', 'temp')"
    rows = con.execute(
        f"SELECT table_name FROM duckdb_tables() WHERE NOT internal AND database_name IN {databases} "
        f"UNION SELECT view_name FROM duckdb_views() WHERE NOT internal AND database_name IN {databases}"
    ).fetchall()
    return {name for (name,) in rows if not name.startswith(hidden_prefix)}
