"""`/schedules`: add (the cron expression is checked as it is typed), pause, resume and remove schedules."""

from __future__ import annotations

from typing import Any

import pandas as pd
import panel as pn

from hpdp.domain.errors import HpdpError
from hpdp.domain.runs import Schedule
from hpdp.presentation.web.pages.layout import frame
from hpdp.presentation.web.pages.widgets import Live, Notice, guarded, records_table, when


def schedule_rows(container: Any) -> list[dict[str, Any]]:
    return [
        {
            "schedule": v.schedule.name,
            "notebook": v.schedule.notebook,
            "cron": v.schedule.cron,
            "tz": v.schedule.tz,
            "state": "paused" if v.schedule.paused else "active",
            "next fire (UTC)": when(v.next_due),
        }
        for v in container.schedules().list_schedules()
    ]


def parameters(text: str) -> dict[str, str]:
    """`name=value` lines; values are converted to the notebook's declared types by the service."""
    out = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        name, sep, value = line.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"Parameter line {line.strip()!r} is not name=value.")
        out[name.strip()] = value.strip()
    return out


def cron_check(container: Any, cron: str, tz: str) -> str:
    """The next five fire times of a cron expression, or why it is not one."""
    if not cron.strip():
        return "Type a cron expression, e.g. `*/15 * * * *`."
    try:
        times = container.schedules().next_fire_times(cron.strip(), tz.strip() or "UTC", 5)
    except HpdpError as exc:
        return f"⚠ {exc.sentence}"
    return "Next fire times (UTC):\n\n" + "\n".join(f"- {when(t)}" for t in times)


def page(container: Any) -> pn.template.BaseTemplate:
    notice = Notice()
    table = records_table([], selectable=1)
    name = pn.widgets.TextInput(label="Name", placeholder="nightly-report")
    notebook = pn.widgets.TextInput(
        label="Notebook (.ipynb path on the server)", placeholder="/path/to/notebook.ipynb", sizing_mode="stretch_width"
    )
    cron = pn.widgets.TextInput(label="Cron", placeholder="0 6 * * *")
    tz = pn.widgets.TextInput(label="Time zone", value="UTC")
    params = pn.widgets.TextAreaInput(label="Parameters (name=value per line)", height=80)
    check = pn.pane.Markdown(cron_check(container, "", "UTC"), css_classes=["hpdp-cron-check"])
    add = pn.widgets.Button(label="Add schedule", color="primary", width=140)
    pause = pn.widgets.Button(label="Pause", width=90, disabled=True)
    resume = pn.widgets.Button(label="Resume", width=90, disabled=True)
    remove = pn.widgets.Button(label="Remove", color="danger", width=90, disabled=True)

    def refresh(event: Any = None) -> None:
        table.value = pd.DataFrame(schedule_rows(container))

    def checked(event: Any = None) -> None:
        check.object = cron_check(container, cron.value_input or "", tz.value_input or tz.value or "UTC")

    def selected() -> str | None:
        rows = table.selection
        return None if not rows or rows[0] >= len(table.value) else str(table.value.iloc[rows[0]]["schedule"])

    def on_select(event: Any) -> None:
        for b in (pause, resume, remove):
            b.disabled = selected() is None

    def added(event: Any) -> None:
        try:
            values = parameters(params.value_input or "")
        except ValueError as exc:
            notice.error(str(exc))
            return
        schedule = Schedule(
            name=name.value_input.strip() if name.value_input else "",
            notebook=(notebook.value_input or "").strip(),
            cron=(cron.value_input or "").strip(),
            tz=(tz.value_input or tz.value or "UTC").strip(),
            parameters=values,
        )
        if not schedule.name or not schedule.notebook:
            notice.error("A schedule needs a name and a notebook.")
            return
        view = container.schedules().add(schedule, from_text=True)
        refresh()
        notice.ok(f"Schedule {view.schedule.name!r} added; next fire {when(view.next_due)} UTC.")

    def act(verb: str) -> Any:
        def run(event: Any) -> None:
            target = selected()
            if target is None:
                notice.error("Pick a schedule in the table first.")
                return
            getattr(container.schedules(), verb)(target)
            refresh()
            notice.ok(f"Schedule {target!r}: {verb}{'d' if verb.endswith('e') else 'ed'}.")

        return run

    cron.param.watch(checked, "value_input")
    tz.param.watch(checked, "value_input")
    table.param.watch(on_select, "selection")
    add.on_click(guarded(notice, added))
    pause.on_click(guarded(notice, act("pause")))
    resume.on_click(guarded(notice, act("resume")))
    remove.on_click(guarded(notice, act("remove")))
    guarded(notice, refresh)()
    Live(container, {"schedule"}, guarded(notice, refresh))
    form = pn.Column(
        "### New schedule",
        pn.Row(name, cron, tz),
        notebook,
        params,
        check,
        add,
        sizing_mode="stretch_width",
    )
    return frame("/schedules", notice, "### Schedules", table, pn.Row(pause, resume, remove), form)
