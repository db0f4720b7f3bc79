"""`/sources`: every source with its last load, rows and rows/s over time, failures; start an ingest."""

from __future__ import annotations

import threading
from typing import Any

import pandas as pd
import panel as pn

from hpdp.presentation.web.pages.layout import frame
from hpdp.presentation.web.pages.widgets import Live, Notice, guarded, records_table, when


def source_rows(container: Any) -> list[dict[str, Any]]:
    ingestion = container.ingestion()
    last = ingestion.last_loads()
    rows = []
    for name, spec in sorted(ingestion.specs().items()):
        load = last.get(name)
        rows.append(
            {
                "source": name,
                "kind": spec.kind,
                "table": spec.table,
                "last load": when(load.started) if load else "never",
                "status": load.status.value if load else "",
                "rows": load.rows if load else None,
            }
        )
    return rows


def history(container: Any, limit: int = 500) -> pd.DataFrame:
    rows = [
        {
            "source": r.source,
            "started": r.started,
            "status": r.status.value,
            "rows": r.rows,
            "pages": r.pages,
            "seconds": round(r.seconds, 3),
            "rows/s": round(r.rows / r.seconds, 1) if r.seconds > 0 else None,
            "error": r.error or "",
        }
        for r in container.ingestion().loads(limit=limit)
    ]
    return pd.DataFrame(rows, columns=["source", "started", "status", "rows", "pages", "seconds", "rows/s", "error"])


def charts(loads: pd.DataFrame) -> Any:
    ok = loads[loads["status"] == "ok"]
    if ok.empty:
        return pn.pane.Markdown("No successful load yet.")
    import hvplot.pandas  # noqa: F401 - registers .hvplot

    ok = ok.sort_values("started")
    rows = ok.hvplot.line(x="started", y="rows", by="source", height=260, responsive=True, title="Rows per load")
    rate = ok.hvplot.line(x="started", y="rows/s", by="source", height=260, responsive=True, title="Rows per second")
    return pn.Row(
        pn.pane.HoloViews(rows * ok.hvplot.scatter(x="started", y="rows", by="source"), sizing_mode="stretch_width"),
        pn.pane.HoloViews(rate, sizing_mode="stretch_width"),
        sizing_mode="stretch_width",
    )


class Ingest:
    """One ingest at a time from this page, in a background thread; progress shows as it goes."""

    def __init__(self, container: Any, notice: Notice) -> None:
        self.container = container
        self.notice = notice
        self.source = pn.widgets.Select(label="Source", options=[])
        self.full = pn.widgets.Checkbox(label="full refresh")
        self.button = pn.widgets.Button(label="Start ingest", color="primary", width=140)
        self.status = pn.pane.Markdown("", css_classes=["hpdp-ingest-status"])
        self.live: Live | None = None
        self._state: tuple[str, BaseException | None, bool] | None = None  # (text, error, done) from the thread
        self._thread: threading.Thread | None = None
        self.button.on_click(guarded(notice, lambda e: self.start()))

    def start(self) -> None:
        name = self.source.value
        if not name:
            self.notice.error("Pick a source first; declare sources in the sources catalog (sources.yaml).")
            return
        if self._thread is not None and self._thread.is_alive():
            self.notice.error("An ingest started here is still running; wait for it to finish.")
            return
        self.button.disabled = True
        self.status.object = f"Loading **{name}** …"
        self._thread = threading.Thread(target=self._run, args=(name, self.full.value), daemon=True, name="hpdp-ingest")
        self._thread.start()

    def _run(self, name: str, full: bool) -> None:
        def progress(rows: int, pages: int) -> None:
            self._report(f"Loading **{name}**: {rows:,} rows in {pages:,} pages …", done=False)

        try:
            record = self.container.ingestion().ingest(name, full_refresh=full, progress=progress)
        except Exception as exc:
            self._report(f"Loading **{name}** failed.", exc)
        else:
            self._report(f"Loaded **{name}**: {record.rows:,} rows in {record.seconds:.2f} s.")

    def _report(self, text: str, error: BaseException | None = None, *, done: bool = True) -> None:
        self._state = (text, error, done)  # read by the session's own thread in `show`
        if self.live is not None:
            self.live.poke()

    def show(self) -> None:
        state, self._state = self._state, None
        if state is not None:
            text, error, done = state
            self.status.object = text
            if error is not None:
                self.notice.report(error)
            if done:
                self.button.disabled = False

    def view(self) -> pn.Row:
        return pn.Row(self.source, self.full, self.button, self.status)


def page(container: Any) -> pn.template.BaseTemplate:
    notice = Notice()
    ingest = Ingest(container, notice)
    sources = records_table([])
    failures = records_table([])
    chart = pn.Column(pn.pane.Markdown(""), sizing_mode="stretch_width")

    def refresh() -> None:
        ingest.show()
        rows = source_rows(container)
        sources.value = pd.DataFrame(rows)
        names = [r["source"] for r in rows]
        if list(ingest.source.options) != names:
            ingest.source.options = names
            if ingest.source.value not in names:
                ingest.source.value = names[0] if names else None
        loads = history(container)
        failures.value = loads[loads["status"] == "failed"][["source", "started", "rows", "pages", "error"]]
        chart.objects = [charts(loads)]

    guarded(notice, refresh)()
    ingest.live = Live(container, {"load"}, guarded(notice, refresh))
    return frame(
        "/sources",
        notice,
        "### Sources",
        sources,
        ingest.view(),
        chart,
        "### Failed loads",
        failures,
    )
