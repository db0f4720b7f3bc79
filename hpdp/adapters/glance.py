"""The schema at a glance in DuckDB: the tables a session sees, a table's columns, and a per-column profile
(SUMMARIZE, plus one pass for a small histogram of every numeric or date column and the top values of the rest).
"""

from __future__ import annotations

from typing import Any

from hpdp.adapters.plots import family
from hpdp.adapters.stores.sql import INTERNAL_PREFIX, literal, quote_part
from hpdp.application.glance import HISTOGRAM_BINS, TOP_VALUES, ColumnProfile, TableProfile
from hpdp.application.plots import OTHER, TEMPORAL


def tables(con: Any, attached: list[str]) -> Any:
    """Every table and view the session reads: the store's by their names, saved queries, attached databases'
    as `name.schema.table`."""
    catalogs = ", ".join(literal(c) for c in attached) or "NULL"
    prefix = literal(INTERNAL_PREFIX + "%")
    return con.sql(
        f"""
        WITH rel AS (
            SELECT database_name AS db, schema_name AS sch, table_name AS name, 'table' AS kind,
                   column_count AS columns, estimated_size AS rows
            FROM duckdb_tables() WHERE NOT internal
            UNION ALL
            SELECT database_name, schema_name, view_name,
                   CASE WHEN temporary THEN 'saved query' ELSE 'view' END, column_count, NULL
            FROM duckdb_views() WHERE NOT internal)
        SELECT CASE WHEN db IN (current_database(), 'temp') AND sch = 'main' THEN name
                    ELSE db || '.' || sch || '.' || name END AS name, kind, columns, rows
        FROM rel
        WHERE (db IN (current_database(), 'temp') OR db IN ({catalogs})) AND name NOT LIKE {prefix}
        ORDER BY db = current_database() DESC, db = 'temp' DESC, db, sch, name
        """
    )


def columns(con: Any, relation: str) -> Any:
    return con.sql(
        "SELECT column_name AS column, column_type AS type, \"null\" = 'YES' AS nullable "
        f"FROM (DESCRIBE SELECT * FROM {relation})"
    )


def describe(con: Any, relation: str, shown: str) -> TableProfile:
    summary = con.sql(f"SUMMARIZE SELECT * FROM {relation}").fetchall()
    rows = int(con.sql(f"SELECT count(*) FROM {relation}").fetchone()[0])
    profiles = [
        ColumnProfile(
            name=r[0],
            type=r[1],
            count=int(r[10] * (1 - float(r[11] or 0) / 100) + 0.5) if r[10] else 0,
            nulls=float(r[11] or 0),
            distinct=int(r[4] or 0),
            min=r[2],
            max=r[3],
            mean=r[5],
            std=r[6],
            median=r[8],
        )
        for r in summary
    ]
    _add_shapes(con, relation, profiles)
    return TableProfile(shown, rows, profiles)


def _add_shapes(con: Any, relation: str, profiles: list[ColumnProfile]) -> None:
    """One pass: a histogram of each numeric or date column, the top values of each other column."""
    picks: list[str] = []
    bounds: list[str] = []
    for p in profiles:
        kind = family(p.type)
        col = quote_part(p.name)
        if kind == OTHER:
            picks.append(f"approx_top_k({col}::VARCHAR, {TOP_VALUES})")
            continue
        value = f"epoch({col})::DOUBLE" if kind == TEMPORAL else f"{col}::DOUBLE"
        bounds.append(f"min({value}), max({value})")
        picks.append(value)
    if not profiles:
        return
    lows = con.sql(f"SELECT {', '.join(bounds)} FROM {relation}").fetchone() if bounds else ()
    aggregates: list[str] = []
    edges = iter(zip(lows[0::2], lows[1::2], strict=True))
    for pick in picks:
        if pick.startswith("approx_top_k"):
            aggregates.append(pick)
            continue
        lo, hi = next(edges)
        if lo is None:
            aggregates.append("NULL")
            continue
        width = (hi - lo) / HISTOGRAM_BINS or 1.0
        aggregates.append(f"histogram(least(floor(({pick} - {lo!r}) / {width!r})::BIGINT, {HISTOGRAM_BINS - 1}))")
    values = con.sql(f"SELECT {', '.join(aggregates)} FROM {relation}").fetchone()
    for p, pick, value in zip(profiles, picks, values, strict=True):
        if value is None:
            continue
        if pick.startswith("approx_top_k"):
            p.top = [v for v in value if v is not None]
        else:
            p.histogram = [int(value.get(i, 0)) for i in range(HISTOGRAM_BINS)]
