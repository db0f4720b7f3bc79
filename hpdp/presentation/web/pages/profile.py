"""The profile of one column, computed by the store: counts, range, and a histogram or top values."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import panel as pn
import pyarrow as pa

from hpdp.presentation.web.pages.reading import aggregate, quote
from hpdp.presentation.web.pages.widgets import Notice, guarded

BINS = 20
TOP = 20


def numeric(kind: pa.DataType) -> bool:
    return pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind)


def column_profile(container: Any, table: str, column: str, as_of: int | None) -> tuple[dict[str, Any], Any]:
    """Summary numbers and a chart of one column (aggregated by the store: no rows come to the server)."""
    import hvplot.pandas  # noqa: F401 - registers .hvplot

    t, c = quote(table), quote(column)
    stats = aggregate(
        container,
        f"SELECT count(*) AS rows, count({c}) AS non_null, count(DISTINCT {c}) AS distinct_values, "
        f"min({c}) AS min, max({c}) AS max FROM {t}",
        as_of,
    )
    summary = {k: v[0] for k, v in stats.to_pydict().items()}
    if numeric(stats.schema.field("min").type) and summary["min"] is not None:
        lo, hi = float(summary["min"]), float(summary["max"])
        width = (hi - lo) / BINS or 1.0
        bins = aggregate(
            container,
            f"SELECT least(CAST(floor(({c} - {lo}) / {width}) AS BIGINT), {BINS - 1}) AS bin, count(*) AS n "
            f"FROM {t} WHERE {c} IS NOT NULL GROUP BY 1 ORDER BY 1",
            as_of,
        ).to_pandas()
        bins["from"] = (lo + bins["bin"] * width).round(6)
        chart = bins.hvplot.bar(x="from", y="n", height=300, responsive=True, rot=45, title=f"{column}: histogram")
    else:
        top = aggregate(
            container,
            f"SELECT CAST({c} AS VARCHAR) AS value, count(*) AS n FROM {t} GROUP BY 1 ORDER BY n DESC LIMIT {TOP}",
            as_of,
        ).to_pandas()
        top["value"] = top["value"].fillna("(null)")
        chart = top.hvplot.barh(x="value", y="n", height=400, responsive=True, title=f"{column}: top values")
    return summary, chart


def profile_view(
    container: Any, schema: pn.widgets.Tabulator, shown: Callable[[], tuple[str, int | None]], notice: Notice
) -> pn.Column:
    """A column picker over `schema` and a profile of the table and snapshot `shown()` returns."""
    column = pn.widgets.Select(label="Column", options=[])
    button = pn.widgets.Button(label="Profile", color="primary", width=100)
    output = pn.Column(pn.pane.Markdown("Pick a column and press Profile."), sizing_mode="stretch_width")

    def columns(event: Any = None) -> None:
        names = list(schema.value["column"]) if len(schema.value) else []
        column.options = names

    def run(event: Any) -> None:
        if not column.value:
            notice.error("Pick a column first.")
            return
        table, as_of = shown()
        summary, chart = column_profile(container, table, column.value, as_of)
        lines = " · ".join(f"**{k.replace('_', ' ')}**: {v}" for k, v in summary.items())
        output.objects = [pn.pane.Markdown(lines), pn.pane.HoloViews(chart, sizing_mode="stretch_width")]
        notice.clear()

    schema.param.watch(columns, "value")
    button.on_click(guarded(notice, run))
    return pn.Column(pn.Row(column, button), output, sizing_mode="stretch_width")
