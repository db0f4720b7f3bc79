"""Small SQL helpers shared by the DuckDB-based stores."""

from __future__ import annotations

from typing import Any

import duckdb

from hpdp.domain.model import OutputFormat

CATALOG = "store"  # every store attaches its catalog to DuckDB under this name
INTERNAL_PREFIX = "_hpdp_"


def literal(text: str) -> str:
    """A SQL string literal (for statements such as ATTACH that take no parameters)."""
    return "'" + text.replace("'", "''") + "'"


def quote(name: str) -> str:
    return ".".join(quote_part(part) for part in name.split("."))


def quote_part(name: str) -> str:
    """One identifier (a column may have a dot in its name)."""
    return '"' + name.replace('"', '""') + '"'


def convert(rel: duckdb.DuckDBPyRelation | None, format: OutputFormat) -> Any:
    """Materialise a relation at once in the requested format (never a half-read reader)."""
    if rel is None:
        return None
    if format is OutputFormat.POLARS:
        return rel.pl()
    if format is OutputFormat.PANDAS:
        return rel.df()
    return rel.to_arrow_table()
