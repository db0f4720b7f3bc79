"""`/`: tables and their row counts, the snapshot timeline, the latest loads and runs, the schedules."""

from __future__ import annotations

from typing import Any

import pandas as pd
import panel as pn

from hpdp.domain.errors import HpdpError, UnsupportedError
from hpdp.presentation.web.pages.layout import frame
from hpdp.presentation.web.pages.widgets import Live, Notice, records_table, when


def tables_rows(container: Any) -> list[dict[str, Any]]:
    return [{"table": t.name, "rows": t.rows} for t in container.workbench().tables()]


def snapshot_rows(container: Any) -> list[dict[str, Any]]:
    try:
        snaps = container.workbench().snapshots()
    except UnsupportedError:
        return []
    return [{"snapshot": s.id, "time": s.time, "changes": s.changes} for s in snaps]


def load_rows(container: Any, limit: int = 10) -> list[dict[str, Any]]:
    return [
        {
            "source": r.source,
            "table": r.table,
            "status": r.status.value,
            "rows": r.rows,
            "started": when(r.started),
            "seconds": round(r.seconds, 2),
            "error": r.error or "",
        }
        for r in container.ingestion().loads(limit=limit)
    ]


def run_rows(container: Any, limit: int = 10) -> list[dict[str, Any]]:
    return [
        {
            "run": r.id,
            "notebook": r.request.notebook.rsplit("/", 1)[-1],
            "status": r.status.value,
            "schedule": r.request.schedule or "",
            "created": when(r.created),
            "seconds": None if r.duration_s is None else round(r.duration_s, 2),
        }
        for r in container.runs().list_runs(limit=limit)
    ]


def schedule_rows(container: Any) -> list[dict[str, Any]]:
    return [
        {
            "schedule": v.schedule.name,
            "cron": v.schedule.cron,
            "tz": v.schedule.tz,
            "state": "paused" if v.schedule.paused else "active",
            "next fire (UTC)": when(v.next_due),
        }
        for v in container.schedules().list_schedules()
    ]


def platform_rows(container: Any) -> list[dict[str, Any]]:
    """The parts `hpdp up` runs (none when it does not run), with their restarts."""
    from hpdp.infrastructure.platform_status import read_status

    status = read_status(container.settings.resolved_home())
    if not status.get("running"):
        return []
    return [
        {
            "part": child["name"],
            "state": child["state"],
            "pid": child["pid"],
            "restarts": child["restarts"],
            "last exit code": child["last_exit"],
            "log": child["log"] or "",
        }
        for child in status.get("children", [])
    ]


def timeline(rows: list[dict[str, Any]]) -> Any:
    if not rows:
        return pn.pane.Markdown("This store keeps no snapshots (DuckLake does).")
    import hvplot.pandas  # noqa: F401 - registers .hvplot

    frame_ = pd.DataFrame(rows)
    return frame_.hvplot.scatter(
        x="time", y="snapshot", hover_cols=["changes"], height=220, responsive=True, title="Snapshots"
    )


def page(container: Any) -> pn.template.BaseTemplate:
    notice = Notice()
    sections = {
        "Tables": (tables_rows, records_table([])),
        "Latest loads": (load_rows, records_table([])),
        "Latest runs": (run_rows, records_table([])),
        "Schedules": (schedule_rows, records_table([])),
        "Platform (hpdp up)": (platform_rows, records_table([])),
    }
    chart = pn.Column(pn.pane.Markdown(""), sizing_mode="stretch_width")

    def refresh() -> None:
        errors = []
        for name, (read, table) in sections.items():
            try:
                table.value = pd.DataFrame(read(container))
            except HpdpError as exc:
                errors.append(f"{name}: {exc.sentence}")
        try:
            chart.objects = [timeline(snapshot_rows(container))]
        except HpdpError as exc:
            errors.append(f"Snapshots: {exc.sentence}")
        if errors:
            notice.error("\n\n".join(errors))
        else:
            notice.clear()

    refresh()
    Live(container, {"load", "run", "schedule", "snapshot", "platform"}, refresh)
    blocks = [pn.Column(f"### {name}", table, sizing_mode="stretch_width") for name, (_, table) in sections.items()]
    return frame(
        "/",
        notice,
        pn.Row(blocks[0], chart, sizing_mode="stretch_width"),
        *blocks[1:],
    )
