"""Plot summaries drawn with HoloViews/hvplot: interactive (Bokeh) in JupyterLab and a static PNG
(matplotlib) in the same output, so a notebook run headless by papermill or nbval keeps the picture.

`PlotView.plot` is the HoloViews object, the same one a Panel dashboard shows (`pn.panel(view)` works too).
"""

from __future__ import annotations

import base64
import re
from html import escape
from typing import Any

from hpdp.application.plots import TEMPORAL, PlotError, PlotSpec, PlotSummary
from hpdp.domain.errors import UnsupportedError

_WORD = re.compile(r"^([A-Za-z_]+)=(\S+)$")
WIDTH, HEIGHT = 700, 350


def parse_words(kind: str, words: list[str]) -> PlotSpec:
    """`KIND x=COL y=COL by=COL bins=N ...` as typed after --plot or %sqlplot."""
    settings: dict[str, str] = {}
    for word in words:
        match = _WORD.match(word)
        if match is None:
            raise PlotError(f"{word!r} is not a plot setting; write settings as x=COL, y=COL, by=COL or bins=N.")
        settings[match.group(1)] = match.group(2)
    return PlotSpec.parse(kind, settings)


def _frame(summary: PlotSummary) -> Any:
    import pandas as pd

    df = pd.DataFrame(summary.rows, columns=summary.columns)
    columns = {"x": ("x", "lo", "hi", "x_lo", "x_hi"), "y": ("y", "y_lo", "y_hi")}
    for key, family in summary.family.items():
        if family == TEMPORAL and summary.spec.kind != "box":
            for col in set(columns[key]) & set(df.columns):
                df[col] = pd.to_datetime(df[col], unit="s")
    return df


def element(summary: PlotSummary) -> Any:
    """The HoloViews object for a summary (hvplot for frames of points and bars)."""
    try:
        import holoviews as hv
        import hvplot.pandas  # noqa: F401 - registers .hvplot on frames
    except ImportError as exc:
        raise UnsupportedError("Plots need hvplot and matplotlib: pip install 'hpdp[jupyter]'.") from exc

    spec, df = summary.spec, _frame(summary)
    title = summary.spec.words() + (f" ({summary.note})" if summary.note else "")
    by = "series" if "series" in df.columns else None
    if spec.kind == "histogram":
        parts = {}
        for name, part in df.groupby("series", sort=False) if by else [(None, df)]:
            edges = [*part["lo"], part["hi"].iloc[-1]]
            parts[name] = hv.Histogram((edges, list(part["count"])), kdims=[spec.x], vdims=["count"])
        plot = _both(hv.NdOverlay(parts, kdims=[spec.by]), "Histogram", alpha=0.6) if by else parts[None]
    elif spec.kind == "heatmap":
        plot = _heatmap(hv, summary, df)
    elif spec.kind == "box":
        plot = _boxes(hv, summary, df)
    else:
        y = "value" if spec.kind == "bar" else "y"
        label = f"{spec.agg}({spec.y})" if spec.kind in ("bar", "line") and spec.agg != "count" else spec.y or "count"
        df = df.rename(columns={"x": spec.x, y: label, "series": spec.by or "series"})
        draw = getattr(df.hvplot, spec.kind)
        extra = {"rot": 45} if spec.kind == "bar" and len(df) > 8 else {}
        plot = draw(x=spec.x, y=label, by=spec.by, **extra)
    _both(plot, title=title)
    return plot.opts(aspect=2, fig_size=200, backend="matplotlib")


def _both(plot: Any, *args: Any, **options: Any) -> Any:
    """Options for the interactive (Bokeh) and the static (matplotlib) drawing alike."""
    plot.opts(*args, **options, backend="bokeh")
    return plot.opts(*args, **options, backend="matplotlib")


def _heatmap(hv: Any, summary: PlotSummary, df: Any) -> Any:
    import numpy as np

    spec, bins = summary.spec, summary.spec.bins
    grid = np.zeros((bins, bins))
    if len(df):
        x0, x1, y0, y1 = df["x_lo"].min(), df["x_hi"].max(), df["y_lo"].min(), df["y_hi"].max()
        xw, yw = (x1 - x0) / bins, (y1 - y0) / bins
        for xl, yl, n in zip(df["x_lo"], df["y_lo"], df["count"], strict=True):
            grid[min(round((yl - y0) / yw), bins - 1), min(round((xl - x0) / xw), bins - 1)] = n
    else:
        x0, x1, y0, y1 = 0, 1, 0, 1
    image = hv.Image(grid, bounds=(x0, y0, x1, y1), kdims=[spec.x, spec.y], vdims=["count"])
    return _both(image, cmap="viridis", colorbar=True)


def _boxes(hv: Any, summary: PlotSummary, df: Any) -> Any:
    """Boxes from quartiles and whiskers the engine computed (HoloViews' BoxWhisker wants the raw data)."""
    labels = [str(g) for g in df["group"]]
    at = list(range(len(labels)))
    boxes = [(i - 0.3, q1, i + 0.3, q3) for i, q1, q3 in zip(at, df["q1"], df["q3"], strict=True)]
    rects = hv.Rectangles(boxes, kdims=["x0", "y0", "x1", "y1"])
    lines = [(i, lo, i, q1) for i, lo, q1 in zip(at, df["lo"], df["q1"], strict=True)]
    lines += [(i, q3, i, hi) for i, q3, hi in zip(at, df["q3"], df["hi"], strict=True)]
    lines += [(i - 0.3, m, i + 0.3, m) for i, m in zip(at, df["median"], strict=True)]
    ticks = list(zip(at, labels, strict=True))
    plot = _both(rects, alpha=0.5) * _both(hv.Segments(lines), color="black")
    key = summary.spec.by or summary.spec.x or ""
    return _both(plot, xticks=ticks, xlabel=key, ylabel=summary.spec.y or "")


class PlotView:
    """A plot in a notebook: the HoloViews object, drawn interactively and as a PNG in one output."""

    def __init__(self, summary: PlotSummary, elapsed: float) -> None:
        self.summary = summary
        self.elapsed = elapsed
        self._plot: Any = None

    @property
    def plot(self) -> Any:
        if self._plot is None:
            self._plot = element(self.summary)
        return self._plot

    def __panel__(self) -> Any:
        return self.plot

    def caption(self) -> str:
        s = self.summary
        note = f", {s.note}" if s.note else ""
        return (
            f"{s.spec.words()}: {s.total:,} row{'s' * (s.total != 1)}{note} · "
            f"{len(s.rows):,} summary rows, {s.nbytes:,} bytes to Python"
        )

    def png(self) -> bytes:
        import holoviews as hv

        data, _ = hv.renderer("matplotlib")(self.plot, fmt="png", dpi=72)
        return data

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> tuple[dict[str, Any], dict[str, Any]]:
        import holoviews as hv

        data: dict[str, Any] = {}
        meta: dict[str, Any] = {}
        try:
            interactive = self.plot.opts(width=WIDTH, height=HEIGHT, backend="bokeh")
            data, meta = hv.renderer("bokeh").components(interactive)
        except Exception as exc:  # the static picture below still shows; say why the interactive one did not
            data = {"text/html": f"<small>interactive view unavailable: {escape(str(exc))}</small>"}
        data["image/png"] = base64.b64encode(self.png()).decode("ascii")
        data["text/plain"] = self.caption()
        return data, meta

    def __repr__(self) -> str:
        return self.caption()


def load_frontend(shell: Any) -> None:
    """Once per kernel: HoloViews' JavaScript for interactive plots, inline, so it works offline.

    The extension is loaded before hvplot is imported: hvplot's import loads it otherwise, from a CDN."""
    try:
        import holoviews as hv

        hv.extension("bokeh", "matplotlib", logo=False, inline=True)
        import hvplot.pandas  # noqa: F401
    except ImportError as exc:
        raise UnsupportedError("Plots need hvplot and matplotlib: pip install 'hpdp[jupyter]'.") from exc
    hv.output(backend="bokeh")
