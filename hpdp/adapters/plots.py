"""Plot summaries computed in DuckDB: bins, quantiles, aggregates or a bounded sample of a query's result.

Each summary is one or two SQL statements over the query (`FROM (query)`), so the data stays in the engine
and only the summary rows reach Python. Histogram bins follow numpy.histogram exactly: equal-width edges
`lo + i * (hi - lo) / bins`, each bin closed on the left, the last one on both sides, and a constant column
spread over `lo - 0.5 .. hi + 0.5`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from hpdp.adapters.stores.sql import quote_part
from hpdp.application.plots import NUMERIC, OTHER, TEMPORAL, Column, PlotSpec, PlotSummary

MAX_CATEGORIES = 50  # bars and boxes beyond this are unreadable; the largest are kept
MAX_SERIES = 10  # by= groups kept (the most frequent)
_NUMERIC = (
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "UHUGEINT",
    "FLOAT",
    "DOUBLE",
    "DECIMAL",
)
_TEMPORAL = ("DATE", "TIMESTAMP")
_ALIAS = {"x": "x", "y": "y", "by": "grp"}  # BY is a keyword


def family(type_name: str) -> str:
    name = type_name.upper()
    if name.startswith(_NUMERIC):
        return NUMERIC
    if name.startswith(_TEMPORAL):
        return TEMPORAL
    return OTHER


def columns(con: Any, query: str, params: dict[str, Any] | None) -> list[Column]:
    rel = con.sql(f"SELECT * FROM ({query}) LIMIT 0", params=params)
    return [Column(n, str(t), family(str(t))) for n, t in zip(rel.columns, rel.types, strict=True)]


class Summaries:
    """The summary of one plot of one query, on one connection."""

    def __init__(self, con: Any, query: str, params: dict[str, Any] | None, spec: PlotSpec) -> None:
        self.con = con
        self.query = query
        self.params = params
        known = {c.name: c for c in columns(con, query, params)}
        self.spec = spec.resolve(list(known.values()))
        self.family = {k: known[getattr(self.spec, k)].family for k in ("x", "y") if getattr(self.spec, k)}

    def run(self) -> PlotSummary:
        return getattr(self, "_" + self.spec.kind)()

    # -- helpers --------------------------------------------------------------------------------------
    def _rows(self, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        rel = self.con.sql(sql, params=self.params)
        return list(rel.columns), rel.fetchall()

    def _value(self, key: str) -> str:
        """A column as a number: temporal values as epoch seconds."""
        name = quote_part(getattr(self.spec, key))
        return f"epoch({name})" if self.family.get(key) == TEMPORAL else f"{name}::DOUBLE"

    def _src(self, *keys: str, not_null: tuple[str, ...] = (), numbers: bool = True, extra: str = "") -> str:
        """`src`: the query's columns the plot needs, as x, y, by (dates as epoch seconds unless `numbers` is
        false); rows with NULLs in `not_null` left out."""
        picks = [extra] if extra else []
        for key in keys:
            if getattr(self.spec, key) is None:
                continue
            expr = self._value(key) if numbers and key in self.family else quote_part(getattr(self.spec, key))
            picks.append(f"{expr} AS {_ALIAS[key]}")
        where = " AND ".join(f"{k} IS NOT NULL" for k in not_null) or "true"
        by = ""
        if self.spec.by is not None:
            by = f", top_by AS (SELECT grp FROM src0 GROUP BY grp ORDER BY count(*) DESC, grp LIMIT {MAX_SERIES})"
            return (
                f"src0 AS (SELECT {', '.join(picks)} FROM ({self.query}) WHERE {where}){by}, "
                "src AS (SELECT * FROM src0 SEMI JOIN top_by USING (grp))"
            )
        return f"src AS (SELECT {', '.join(picks)} FROM ({self.query}) WHERE {where})"

    def _count(self, keys: tuple[str, ...], not_null: tuple[str, ...]) -> int:
        _, rows = self._rows(f"WITH {self._src(*keys, not_null=not_null)} SELECT count(*) FROM src")
        return int(rows[0][0])

    def _summary(
        self, names: list[str], rows: list[tuple[Any, ...]], total: int, note: str = "", spec: PlotSpec | None = None
    ) -> PlotSummary:
        return PlotSummary(spec or self.spec, names, rows, total, note, dict(self.family))

    # -- kinds ----------------------------------------------------------------------------------------
    def _histogram(self) -> PlotSummary:
        """Two statements: the range (often answered from the table's statistics alone), then DuckDB's
        histogram() over numpy's edges, each inner edge moved down one step so a bin is closed on the left."""
        spec, bins = self.spec, self.spec.bins
        raw = quote_part(spec.x)
        low, high = (f"{f}({raw})" for f in ("min", "max"))
        if self.family["x"] == TEMPORAL:
            low, high = f"epoch({low})", f"epoch({high})"
        lo, hi = self.con.sql(
            f"SELECT {low}::DOUBLE, {high}::DOUBLE FROM ({self.query})", params=self.params
        ).fetchone()
        if lo is None:
            return self._summary(["lo", "hi", "count"], [], 0, f"{bins} bins")
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        edges = np.linspace(lo, hi, bins + 1).tolist()
        bounds = [*np.nextafter(edges[1:-1], -np.inf).tolist(), edges[-1]]
        by = spec.by is not None
        sql = f"WITH {self._src('x', 'by', not_null=('x',))} SELECT {'grp, ' if by else ''}histogram(x, $hpdp_bounds)"
        sql += " FROM src" + (" GROUP BY grp ORDER BY grp" if by else "")
        # the bounds go as a parameter: a decimal literal would not always come back as the same double
        found = self.con.sql(sql, params={**(self.params or {}), "hpdp_bounds": bounds}).fetchall()
        rows = []
        for found_row in found:
            counts = found_row[-1] or {}
            tail = (found_row[0],) if by else ()
            rows += [(edges[i], edges[i + 1], int(counts.get(b, 0)), *tail) for i, b in enumerate(bounds)]
        names = ["lo", "hi", "count"] + (["series"] if by else [])
        return self._summary(names, rows, sum(r[2] for r in rows), f"{bins} bins")

    def _bar(self) -> PlotSummary:
        spec = self.spec
        value = "count(*)" if spec.agg == "count" and spec.y is None else f"{spec.agg}(y)"
        if spec.agg != "count" and self.family.get("y") == NUMERIC:
            value += "::DOUBLE"
        by = ", grp" if spec.by else ""
        order = "x" if self.family.get("x") in (NUMERIC, TEMPORAL) else "total DESC, x"
        sql = f"""
        WITH {self._src("x", "y", "by", numbers=False)},
        g AS (SELECT x{by}, {value} AS value FROM src GROUP BY ALL),
        top AS (SELECT x, sum(value) AS total FROM g GROUP BY x ORDER BY total DESC NULLS LAST, x LIMIT
                {MAX_CATEGORIES})
        SELECT g.x AS x, g.value AS value{", g.grp AS series" if spec.by else ""}
        FROM g JOIN top USING (x) ORDER BY {order.replace("x", "g.x")}{", g.grp" if spec.by else ""}
        """
        names, rows = self._rows(sql)
        _, total = self._rows(f"WITH {self._src('x', 'by', numbers=False)} SELECT count(*), count(DISTINCT x) FROM src")
        note = f"top {MAX_CATEGORIES} of {total[0][1]:,} values" if total[0][1] > MAX_CATEGORIES else ""
        spec_y = spec.y or "count"
        return self._summary(names, rows, int(total[0][0]), note, replace(spec, y=spec_y))

    def _line(self) -> PlotSummary:
        spec = self.spec
        value = "count(*)" if spec.y is None else f"{spec.agg}(y)"
        by = ", grp" if spec.by else ""
        keys = ("x", "y", "by")
        _, stats = self._rows(
            f"WITH {self._src(*keys, not_null=('x',))} "
            "SELECT count(*), approx_count_distinct(x), min(x)::DOUBLE, max(x)::DOUBLE FROM src"
        )
        total, distinct, lo, hi = stats[0]
        x, note = "x", ""
        if distinct > spec.points and lo is not None and hi > lo:
            step = (hi - lo) / spec.points
            x = f"{lo!r} + floor((x::DOUBLE - {lo!r}) / {step!r}) * {step!r}"
            note = f"{spec.points:,} buckets of x"
        sql = f"""
        WITH {self._src(*keys, not_null=("x",))}
        SELECT {x} AS x, {value} AS y{by.replace("grp", "grp AS series")} FROM src
        GROUP BY ALL ORDER BY {"grp, " if by else ""}x
        """
        names, rows = self._rows(sql)
        return self._summary(names, rows, int(total), note, replace(spec, y=spec.y or "count"))

    def _scatter(self) -> PlotSummary:
        spec = self.spec
        both = ("x", "y")
        total = self._count(("x", "y", "by"), both)
        if total > spec.heatmap_above:
            heat = replace(spec, kind="heatmap")
            summary = Summaries._heatmap(self, heat)
            summary.note = f"{total:,} rows drawn as {spec.bins}x{spec.bins} bins"
            return summary
        sample, note = "", ""
        if total > spec.points:
            sample = f" USING SAMPLE reservoir({spec.points} ROWS) REPEATABLE (7)"
            note = f"a sample of {spec.points:,} of {total:,} rows"
        by = ", grp AS series" if spec.by else ""
        names, rows = self._rows(f"WITH {self._src('x', 'y', 'by', not_null=both)} SELECT x, y{by} FROM src{sample}")
        return self._summary(names, rows, total, note)

    def _box(self) -> PlotSummary:
        spec = self.spec
        group_key = "by" if spec.by else "x" if spec.x and spec.x != spec.y else None
        keys = ("y", group_key) if group_key else ("y",)
        if group_key == "x":
            src = self._src("y", not_null=("y",), extra=f"{quote_part(spec.x)} AS g")
        elif group_key == "by":
            src = self._src(*keys, not_null=("y",)) + ", src_g AS (SELECT y, grp AS g FROM src)"
        else:
            src = self._src("y", not_null=("y",), extra="'all' AS g")
        table = "src_g" if group_key == "by" else "src"
        sql = f"""
        WITH {src},
        s AS (SELECT g, quantile_cont(y, [0.25, 0.5, 0.75]) AS q, count(*) AS n FROM {table} GROUP BY g
              ORDER BY n DESC LIMIT {MAX_CATEGORIES})
        SELECT s.g AS "group", min(t.y) FILTER (WHERE t.y >= s.q[1] - 1.5 * (s.q[3] - s.q[1])) AS lo,
               any_value(s.q[1]) AS q1, any_value(s.q[2]) AS median, any_value(s.q[3]) AS q3,
               max(t.y) FILTER (WHERE t.y <= s.q[3] + 1.5 * (s.q[3] - s.q[1])) AS hi,
               any_value(s.n) AS n,
               count(*) FILTER (WHERE t.y < s.q[1] - 1.5 * (s.q[3] - s.q[1])
                                   OR t.y > s.q[3] + 1.5 * (s.q[3] - s.q[1])) AS outliers
        FROM {table} t JOIN s ON t.g IS NOT DISTINCT FROM s.g GROUP BY s.g ORDER BY s.g
        """
        names, rows = self._rows(sql)
        return self._summary(names, rows, sum(r[6] for r in rows))

    def _heatmap(self, spec: PlotSpec | None = None) -> PlotSummary:
        spec = spec or self.spec
        bins = spec.bins
        sql = f"""
        WITH {self._src("x", "y", not_null=("x", "y"))},
        b0 AS (SELECT min(x)::DOUBLE AS xlo, max(x)::DOUBLE AS xhi, min(y)::DOUBLE AS ylo, max(y)::DOUBLE AS yhi
               FROM src),
        b AS (SELECT xlo - (xlo = xhi)::INT * 0.5 AS xlo, xhi + (xlo = xhi)::INT * 0.5 AS xhi,
                     ylo - (ylo = yhi)::INT * 0.5 AS ylo, yhi + (ylo = yhi)::INT * 0.5 AS yhi FROM b0
              WHERE xlo IS NOT NULL),
        cells AS (SELECT {_bin("x", bins, "xlo", "xhi")} AS i, {_bin("y", bins, "ylo", "yhi")} AS j, count(*) AS n
                  FROM src, b GROUP BY ALL)
        SELECT {_edge("i", bins, "xlo", "xhi")} AS x_lo, {_edge("i + 1", bins, "xlo", "xhi")} AS x_hi,
               {_edge("j", bins, "ylo", "yhi")} AS y_lo, {_edge("j + 1", bins, "ylo", "yhi")} AS y_hi,
               n AS count
        FROM cells, b ORDER BY i, j
        """
        names, rows = self._rows(sql)
        return self._summary(names, rows, sum(r[4] for r in rows), f"{bins}x{bins} bins", spec)


def _edge(k: str, bins: int, lo: str = "lo", hi: str = "hi") -> str:
    """numpy.linspace(lo, hi, bins + 1)[k]: the last edge is hi itself."""
    return f"(CASE WHEN ({k}) = {bins} THEN {hi} ELSE ({k}) * (({hi} - {lo}) / {bins}) + {lo} END)"


def _bin(value: str, bins: int, lo: str = "lo", hi: str = "hi") -> str:
    """numpy.histogram's bin of `value`: a first guess from the scale, moved by one where an edge disagrees."""
    guess = f"least(CAST(floor(({value} - {lo}) / ({hi} - {lo}) * {bins}) AS BIGINT), {bins - 1})"
    return (
        f"(CASE WHEN {value} < {_edge(guess, bins, lo, hi)} THEN {guess} - 1 "
        f"WHEN {guess} < {bins - 1} AND {value} >= {_edge(guess + ' + 1', bins, lo, hi)} THEN {guess} + 1 "
        f"ELSE {guess} END)"
    )


def summarize(con: Any, query: str, params: dict[str, Any] | None, spec: PlotSpec) -> PlotSummary:
    """The plot summary of a query's result on a DuckDB connection."""
    return Summaries(con, query, params, spec).run()
