"""`/insights`: the findings drawn from the execution ledger; dismiss one, or show every status."""

from __future__ import annotations

from typing import Any

import pandas as pd
import panel as pn

from hpdp.domain.findings import Finding
from hpdp.presentation.web.pages.layout import frame
from hpdp.presentation.web.pages.widgets import Live, Notice, guarded, records_table

COLUMNS = ["id", "kind", "subject", "severity", "status", "message", "since"]


def row(f: Finding) -> dict[str, Any]:
    return {c: getattr(f, c) for c in COLUMNS}


def page(container: Any) -> pn.template.BaseTemplate:
    notice = Notice()
    table = records_table(pd.DataFrame(columns=COLUMNS), selectable=1, layout="fit_data_stretch")
    show_all = pn.widgets.Checkbox(label="Every status (accepted, dismissed, resolved)")
    dismiss = pn.widgets.Button(label="Dismiss", width=100, disabled=True)
    summary = pn.pane.Markdown("", css_classes=["hpdp-insights-summary"])

    def refresh(event: Any = None) -> None:
        findings = container.insights().listing(show_all.value)
        table.value = pd.DataFrame([row(f) for f in findings], columns=COLUMNS)
        shown = "findings" if show_all.value else "open findings"
        summary.object = f"{len(findings)} {shown}." if findings else f"No {shown}: they come from runs and loads."

    def selected() -> str | None:
        rows = table.selection
        return None if not rows or rows[0] >= len(table.value) else str(table.value.iloc[rows[0]]["id"])

    def on_select(event: Any) -> None:
        dismiss.disabled = selected() is None

    def dismissed(event: Any) -> None:
        target = selected()
        if target is None:
            notice.error("Pick a finding in the table first.")
            return
        finding = container.insights().dismiss(target)
        refresh()
        notice.ok(f"Dismissed {finding.id}: it is not raised again for the same evidence.")

    table.param.watch(on_select, "selection")
    show_all.param.watch(guarded(notice, refresh), "value")
    dismiss.on_click(guarded(notice, dismissed))
    guarded(notice, refresh)()
    Live(container, {"insights", "run", "load"}, guarded(notice, refresh))
    return frame("/insights", notice, "### Insights", summary, table, pn.Row(dismiss, show_all))
