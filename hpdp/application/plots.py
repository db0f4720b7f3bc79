"""Plots of SQL results computed by the engine: what to draw (PlotSpec), the checks on it, and the small
summary (bins, quantiles, aggregates or a bounded sample) that is all that reaches Python (PlotSummary)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from hpdp.domain.errors import InvalidInputError

PLOT_KINDS = ("histogram", "bar", "line", "scatter", "box", "heatmap")
PLOT_KEYS = ("x", "y", "by", "bins", "agg", "points")
AGGREGATES = ("count", "sum", "avg", "min", "max")
NUMERIC, TEMPORAL, OTHER = "numeric", "temporal", "other"
MAX_BINS = 500
MAX_POINTS = 100_000


class PlotError(InvalidInputError):
    """A plot asked for something its data cannot give; one sentence naming what can."""

    code = "invalid_plot"


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # the engine's type name
    family: str  # NUMERIC, TEMPORAL or OTHER


@dataclass(frozen=True)
class PlotSpec:
    """`KIND x=COL y=COL by=COL bins=N agg=F points=N`; columns left out are picked from the data."""

    kind: str
    x: str | None = None
    y: str | None = None
    by: str | None = None
    bins: int = 30
    agg: str | None = None
    points: int = 5_000  # scatter and line: at most this many points are drawn
    heatmap_above: int = 1_000_000  # scatter: more rows than this are drawn as 2-D bins

    @classmethod
    def parse(cls, kind: str, words: dict[str, str]) -> PlotSpec:
        """From the words of a magic line; every mistake is one sentence naming the accepted values."""
        if kind not in PLOT_KINDS:
            raise PlotError(f"Unknown plot kind {kind!r}; use one of: {', '.join(PLOT_KINDS)}.")
        unknown = sorted(set(words) - set(PLOT_KEYS))
        if unknown:
            raise PlotError(f"Unknown plot setting {unknown[0]!r}; use: {', '.join(k + '=' for k in PLOT_KEYS)}.")
        numbers: dict[str, Any] = {}
        for key, top in (("bins", MAX_BINS), ("points", MAX_POINTS)):
            if key in words:
                value = words[key]
                if not value.isdigit() or not 1 <= int(value) <= top:
                    raise PlotError(f"{key}= needs a whole number from 1 to {top:,}, not {value!r}.")
                numbers[key] = int(value)
        agg = words.get("agg")
        if agg is not None and agg not in AGGREGATES:
            raise PlotError(f"Unknown aggregate {agg!r}; use one of: {', '.join(AGGREGATES)}.")
        return cls(kind, x=words.get("x"), y=words.get("y"), by=words.get("by"), agg=agg, **numbers)

    def resolve(self, columns: list[Column]) -> PlotSpec:
        """The spec with every column checked against the data and the missing ones picked."""
        known = {c.name: c for c in columns}
        names = ", ".join(known) or "none"
        for key in ("x", "y", "by"):
            name = getattr(self, key)
            if name is not None and name not in known:
                raise PlotError(f"The data has no column {name!r} for {key}=; its columns are: {names}.")
        numeric = [c.name for c in columns if c.family == NUMERIC]
        ordered = [c.name for c in columns if c.family != OTHER]
        spec = self
        if self.kind == "box" and self.y is None and self.x is not None and known[self.x].family != OTHER:
            spec = replace(spec, x=None, y=self.x)  # `box x=col`: the box of that column
        if self.kind in ("histogram", "box"):
            key = "x" if self.kind == "histogram" else "y"
            col = getattr(spec, key) or _first(numeric, self.kind, "a numeric column", names)
            spec = replace(spec, **{key: col})
            if known[col].family == OTHER:
                hint = "bar (it counts rows per value)" if self.kind == "histogram" else "bar agg=count"
                raise PlotError(
                    f"A {self.kind} needs a numeric or date column and {col!r} is {known[col].type}; use {hint}."
                )
        elif self.kind == "bar":
            if not columns:
                raise PlotError("A bar plot needs at least one column.")
            spec = replace(spec, x=self.x or columns[0].name)
        elif self.kind in ("line", "scatter", "heatmap"):
            x = self.x or _first(ordered, self.kind, "a numeric or date column", names)
            rest = [c for c in numeric if c != x]
            y = self.y or (None if self.kind == "line" else _first(rest, self.kind, "a second numeric column", names))
            spec = replace(spec, x=x, y=y)
            for key in ("x", "y") if self.kind != "line" else ("x",):
                col = known[getattr(spec, key)]
                if col.family == OTHER:
                    raise PlotError(
                        f"A {self.kind} needs numeric or date columns and {col.name!r} is {col.type}; "
                        "use bar for categories."
                    )
        if spec.by is not None and spec.by in (spec.x, spec.y):
            spec = replace(spec, by=None)  # a series per value of a plotted column adds nothing
        numeric_y = spec.y is None or known[spec.y].family == NUMERIC
        if spec.kind in ("bar", "line") and not numeric_y and spec.agg not in (None, "count", "min", "max"):
            raise PlotError(f"{spec.agg} of {spec.y!r} needs a numeric column and it is {known[spec.y].type}.")
        if spec.agg is None and spec.kind in ("bar", "line"):
            default = "sum" if spec.kind == "bar" else "avg"
            spec = replace(spec, agg=default if spec.y is not None and numeric_y else "count")
        return spec

    def words(self) -> str:
        parts = [self.kind] + [f"{k}={getattr(self, k)}" for k in ("x", "y", "by") if getattr(self, k)]
        return " ".join(parts)


def _first(candidates: list[str], kind: str, what: str, names: str) -> str:
    if not candidates:
        raise PlotError(f"A {kind} needs {what}, and the data has none (columns: {names}).")
    return candidates[0]


@dataclass
class PlotSummary:
    """What the engine computed for a plot: a few rows, never the data itself.

    histogram: lo, hi, count; bar: x, value; line and scatter: x, y; with by=, each also has `series`;
    box: group, lo, q1, median, q3, hi, n; heatmap: x_lo, x_hi, y_lo, y_hi, count.
    """

    spec: PlotSpec
    columns: list[str]
    rows: list[tuple[Any, ...]]
    total: int  # rows in the data the summary stands for
    note: str = ""  # how the summary relates to the data (sampled, binned, top values)
    family: dict[str, str] = field(default_factory=dict)  # x and y: numeric, temporal or other

    def column(self, name: str) -> list[Any]:
        i = self.columns.index(name)
        return [r[i] for r in self.rows]

    @property
    def nbytes(self) -> int:
        """About how many bytes reached Python (8 per value, the text length for strings)."""
        return sum(len(v) if isinstance(v, str) else 8 for row in self.rows for v in row)
