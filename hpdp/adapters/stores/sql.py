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
