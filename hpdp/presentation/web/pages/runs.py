"""`/runs`: runs filtered by status, notebook and schedule; one run's parameters, metrics, output notebook."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import panel as pn

from hpdp.domain.runs import RunRecord, RunStatus
from hpdp.presentation.web.pages.layout import frame
from hpdp.presentation.web.pages.notebook_html import notebook_frame
from hpdp.presentation.web.pages.widgets import Live, Notice, guarded, records_table, when

ANY = "(any)"


def row(r: RunRecord) -> dict[str, Any]:
    return {
        "run": r.id,
        "notebook": Path(r.request.notebook).name,
        "status": r.status.value,
        "schedule": r.request.schedule or "",
        "experiment": r.request.experiment or "",
        "created": when(r.created),
        "seconds": None if r.duration_s is None else round(r.duration_s, 2),
        "host": r.host or "",
        "reason": r.reason or "",
    }


def metrics_chart(metrics: dict[str, float]) -> Any:
    if not metrics:
        return pn.pane.Markdown("No metrics were tracked.")
    import hvplot.pandas  # noqa: F401 - registers .hvplot

    frame_ = pd.DataFrame(sorted(metrics.items()), columns=["metric", "value"])
    return pn.pane.HoloViews(
        frame_.hvplot.barh(x="metric", y="value", height=40 + 28 * len(frame_), responsive=True, title="Metrics"),
        sizing_mode="stretch_width",
    )


def tracked(container: Any, record: RunRecord) -> dict[str, Any]:
    if not record.tracking_id:
        return {}
    try:
        return dict(container.runs().tracker.get_run(record.tracking_id))
    except Exception:  # a tracker that lost the run (or is down) leaves the metrics out, not the page
        return {}


def details(container: Any, record: RunRecord) -> list[Any]:
    info = tracked(container, record)
    parts: list[Any] = [
        pn.pane.Markdown(
            f"### Run {record.id}\n**{record.status.value}** · {Path(record.request.notebook).name}"
            + (f" · {record.reason}" if record.reason else "")
        ),
        pn.pane.Markdown("#### Parameters"),
        pn.pane.JSON(record.request.parameters or {}, depth=2, sizing_mode="stretch_width"),
        pn.pane.Markdown("#### Metrics"),
        metrics_chart(info.get("metrics") or {}),
    ]
    ui = getattr(container.settings, "mlflow_ui_url", None)
    if ui and record.tracking_url and record.tracking_url.startswith(("http://", "https://")):
        parts.append(pn.pane.HTML(f'<a href="{record.tracking_url}" target="_blank" rel="noopener">Open in MLflow</a>'))
    parts += [
        pn.pane.Markdown("#### Output notebook"),
        pn.pane.HTML(notebook_frame(record.output_path), sizing_mode="stretch_width"),
    ]
    return parts


def page(container: Any) -> pn.template.BaseTemplate:
    notice = Notice()
    status = pn.widgets.Select(label="Status", options=[ANY, *(s.value for s in RunStatus)])
    notebook = pn.widgets.Select(label="Notebook", options=[ANY])
    schedule = pn.widgets.Select(label="Schedule", options=[ANY])
    limit = pn.widgets.IntInput(label="Show at most", value=200, start=1, end=10_000, width=120)
    table = records_table([], selectable=1)
    detail = pn.Column(pn.pane.Markdown("Pick a run in the table to see its details."), sizing_mode="stretch_width")

    def refresh(event: Any = None) -> None:
        runs = container.runs().list_runs(
            status=None if status.value == ANY else status.value,
            schedule=None if schedule.value == ANY else schedule.value,
            limit=limit.value,
        )
        notebooks = sorted({Path(r.request.notebook).name for r in runs} | {notebook.value} - {ANY})
        schedules = sorted({r.request.schedule for r in runs if r.request.schedule} | {schedule.value} - {ANY})
        notebook.options, schedule.options = [ANY, *notebooks], [ANY, *schedules]
        if notebook.value != ANY:
            runs = [r for r in runs if Path(r.request.notebook).name == notebook.value]
        table.value = pd.DataFrame([row(r) for r in runs])
        notice.clear()

    def select(event: Any) -> None:
        if not event.new:
            return
        run_id = table.value.iloc[event.new[0]]["run"]
        detail.objects = details(container, container.runs().get(run_id))

    for w in (status, notebook, schedule, limit):
        w.param.watch(guarded(notice, refresh), "value")
    table.param.watch(guarded(notice, select), "selection")
    guarded(notice, refresh)()
    Live(container, {"run"}, guarded(notice, refresh))
    return frame("/runs", notice, pn.Row(status, notebook, schedule, limit), table, detail)
