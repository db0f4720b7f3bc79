"""`/experiments`: an experiment's child runs compared on a chosen metric: ranking and parallel coordinates."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import panel as pn

from hpdp.presentation.web.pages.layout import frame
from hpdp.presentation.web.pages.widgets import Live, Notice, guarded, records_table


def experiment_names(container: Any) -> list[str]:
    runs = container.runs().list_runs(limit=10_000)
    return sorted({r.request.experiment for r in runs if r.request.experiment})


def child_frame(container: Any, name: str) -> pd.DataFrame:
    """One row per finished child run: its parameters and metrics as columns (numbers where they parse)."""
    rows = []
    for run in container.runs().tracker.child_runs(name):
        if run.get("status") != "FINISHED":
            continue
        row = {f"param:{k}": v for k, v in run.get("params", {}).items()}
        row.update(run.get("metrics", {}))
        rows.append(row)
    frame_ = pd.DataFrame(rows)
    for column in frame_.columns:
        converted = pd.to_numeric(frame_[column], errors="coerce")
        if converted.notna().all():
            frame_[column] = converted
    return frame_


def ranking_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "rank": r["rank"],
                "parameters": json.dumps(r["parameters"], sort_keys=True, default=str),
                "runs": r["runs"],
                "failed": r["failed"],
                "mean": r["mean"],
                "min": r["min"],
                "max": r["max"],
            }
            for r in rows
        ]
    )


def parallel(children: pd.DataFrame, metric: str) -> Any:
    numeric = [c for c in children.columns if pd.api.types.is_numeric_dtype(children[c])]
    params = [c for c in numeric if c.startswith("param:")]
    if metric not in children.columns or not params:
        return pn.pane.Markdown("Parallel coordinates need numeric parameters and the metric.")
    import hvplot
    import hvplot.pandas

    data = children[[*params, metric]].copy()
    data["quartile"] = pd.qcut(data[metric].rank(method="first"), min(4, len(data)), labels=False).astype(str)
    plot = hvplot.parallel_coordinates(data, "quartile", cols=[*params, metric])
    return pn.pane.HoloViews(plot.opts(height=360, responsive=True), sizing_mode="stretch_width")


def page(container: Any) -> pn.template.BaseTemplate:
    notice = Notice()
    name = pn.widgets.Select(label="Experiment", options=[])
    metric = pn.widgets.Select(label="Metric", options=["wall_time_s"])
    descending = pn.widgets.Checkbox(label="highest first")
    ranking = records_table([])
    chart = pn.Column(pn.pane.Markdown(""), sizing_mode="stretch_width")

    def experiments(event: Any = None) -> None:
        names = experiment_names(container)
        if list(name.options) != names:
            name.options = names
        if names and name.value is None:
            name.value = names[0]

    def compare(event: Any = None) -> None:
        if not name.value:
            chart.objects = [pn.pane.Markdown("No experiment has run yet.")]
            return
        children = child_frame(container, name.value)
        metrics = sorted(c for c in children.columns if not c.startswith("param:"))
        if metrics and list(metric.options) != metrics:
            metric.options = metrics
            if metric.value not in metrics:
                metric.value = "wall_time_s" if "wall_time_s" in metrics else metrics[0]
                return  # the metric's watcher compares again
        rows = container.experiments().compare(name.value, metric.value, descending=descending.value)
        ranking.value = ranking_frame(rows)
        chart.objects = [parallel(children, metric.value)]
        notice.clear()

    def refresh() -> None:
        experiments()
        compare()

    for w in (name, metric, descending):
        w.param.watch(guarded(notice, compare), "value")
    guarded(notice, refresh)()
    Live(container, {"run"}, guarded(notice, refresh))
    return frame("/experiments", notice, pn.Row(name, metric, descending), "### Ranking", ranking, chart)
