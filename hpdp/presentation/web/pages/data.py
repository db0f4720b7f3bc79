"""`/data`: a table or view page by page (only the visible page is read), its schema, a column profile,
time travel to a snapshot, and a read-only SQL box whose result downloads as CSV or Parquet."""

from __future__ import annotations

import io
import math
import time
from typing import Any

import pandas as pd
import panel as pn
import pyarrow as pa

from hpdp.domain.errors import UnsupportedError
from hpdp.presentation.web.pages.layout import frame
from hpdp.presentation.web.pages.profile import profile_view
from hpdp.presentation.web.pages.widgets import Live, Notice, guarded, records_table, when

LATEST = "latest"
NO_ORDER = "(table order)"


def table_names(container: Any) -> list[str]:
    return [getattr(t, "name", t) for t in container.queries().tables()]


def snapshot_options(container: Any, table: str | None) -> dict[str, int | None]:
    options: dict[str, int | None] = {LATEST: None}
    if not table:
        return options
    try:
        snaps = container.workbench().snapshots(table)
    except UnsupportedError:
        return options
    for s in sorted(snaps, key=lambda s: s.id, reverse=True):
        options[f"#{s.id} · {when(s.time)} {s.changes}".strip()] = s.id
    return options


def pandas(table: pa.Table) -> pd.DataFrame:
    return table.to_pandas()


class Browser:
    """The rows of one table at one snapshot, one page at a time."""

    def __init__(self, container: Any, notice: Notice) -> None:
        self.container = container
        self.notice = notice
        names = table_names(container)
        self.table = pn.widgets.Select(label="Table or view", options=names, value=names[0] if names else None)
        self.snapshot = pn.widgets.Select(label="Snapshot", options=[LATEST])
        self.order = pn.widgets.Select(label="Order by", options=[NO_ORDER])
        self.descending = pn.widgets.Checkbox(label="descending")
        self.size = pn.widgets.Select(label="Rows per page", options=[50, 100, 500], value=100, width=110)
        self.number = pn.widgets.IntInput(label="Page", value=1, start=1, width=110)
        self.first = pn.widgets.Button(label="« First", width=80)
        self.previous = pn.widgets.Button(label="‹ Previous", width=100)
        self.next = pn.widgets.Button(label="Next ›", width=100)
        self.last = pn.widgets.Button(label="Last »", width=80)
        self.position = pn.pane.Markdown("", css_classes=["hpdp-position"])
        self.grid = pn.widgets.Tabulator(
            pd.DataFrame(), disabled=True, show_index=False, sizing_mode="stretch_width", height=480
        )
        self.schema = records_table([])
        self.total = 0
        self._snapshots: dict[str, int | None] = {LATEST: None}
        on = guarded
        self.table.param.watch(on(notice, lambda e: self.open_table()), "value")
        self.snapshot.param.watch(on(notice, lambda e: self.open_snapshot()), "value")
        for w in (self.order, self.descending, self.size):
            w.param.watch(on(notice, lambda e: self.go(1, force=True)), "value")
        self.number.param.watch(on(notice, lambda e: self.load()), "value")
        self.first.on_click(lambda e: self.go(1))
        self.previous.on_click(lambda e: self.go(self.number.value - 1))
        self.next.on_click(lambda e: self.go(self.number.value + 1))
        self.last.on_click(lambda e: self.go(self.pages))

    @property
    def as_of(self) -> int | None:
        return self._snapshots.get(self.snapshot.value)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.size.value))

    def open_table(self) -> None:
        self._snapshots = snapshot_options(self.container, self.table.value)
        if self.snapshot.value != LATEST:
            self.snapshot.param.update(options=list(self._snapshots), value=LATEST)  # triggers open_snapshot
        else:
            self.snapshot.options = list(self._snapshots)
            self.open_snapshot()

    def open_snapshot(self) -> None:
        name = self.table.value
        if not name:
            return
        q = self.container.queries()
        columns = q.schema(name, as_of=self.as_of)
        self.schema.value = pd.DataFrame(columns, columns=["column", "type"])
        with pn.io.hold():
            order = self.order.value if self.order.value in [c for c, _ in columns] else NO_ORDER
            self.order.param.update(options=[NO_ORDER, *(c for c, _ in columns)], value=order)
        self.total = q.count(name, as_of=self.as_of)
        self.go(1, force=True)

    def go(self, number: int, *, force: bool = False) -> None:
        number = min(max(1, number), self.pages)
        if number == self.number.value:
            if force:
                self.load()
        else:
            self.number.value = number  # the watcher loads the page

    def refresh_count(self) -> None:
        """A commit happened: the latest snapshot may have more rows (and new snapshots to pick)."""
        if not self.table.value:
            return
        self._snapshots = snapshot_options(self.container, self.table.value)
        self.snapshot.options = list(self._snapshots)
        if self.as_of is None:
            self.total = self.container.queries().count(self.table.value)
            self._show_position(len(self.grid.value))

    def load(self) -> None:
        name = self.table.value
        if not name:
            return
        number = min(max(1, self.number.value), self.pages)
        size = self.size.value
        order = None if self.order.value == NO_ORDER else self.order.value
        rows = self.container.queries().page(
            name,
            as_of=self.as_of,
            limit=size,
            offset=(number - 1) * size,
            order_by=order,
            descending=self.descending.value,
        )
        self.grid.value = pandas(rows)
        self._show_position(rows.num_rows)
        self.notice.clear()

    def _show_position(self, shown: int) -> None:
        start = (self.number.value - 1) * self.size.value
        if shown:
            rows = f"Rows {start + 1:,}–{start + shown:,} of {self.total:,}"
            text = f"{rows} · page {self.number.value:,} of {self.pages:,}"
        else:
            text = f"No rows · {self.total:,} in all"
        self.position.object = text
        self.previous.disabled = self.first.disabled = self.number.value <= 1
        self.next.disabled = self.last.disabled = self.number.value >= self.pages

    def view(self) -> pn.Column:
        return pn.Column(
            pn.Row(self.table, self.snapshot, self.order, self.descending),
            pn.Row(self.first, self.previous, self.number, self.next, self.last, self.size, self.position),
            self.grid,
            sizing_mode="stretch_width",
        )


class SqlBox:
    """Read-only SQL with a row limit (and the server's time limit); the result downloads as a file."""

    def __init__(self, container: Any, notice: Notice) -> None:
        self.container = container
        self.notice = notice
        cap = int(getattr(container.settings, "query_max_rows", 100_000))
        self.editor = pn.widgets.TextAreaInput(
            label="SQL (read-only)", placeholder="SELECT ...", height=140, sizing_mode="stretch_width"
        )
        self.limit = pn.widgets.IntInput(label="Row limit", value=min(1000, cap), start=1, end=cap, width=140)
        self.run = pn.widgets.Button(label="Run", color="primary", width=100)
        self.status = pn.pane.Markdown("", css_classes=["hpdp-sql-status"])
        self.grid = pn.widgets.Tabulator(
            pd.DataFrame(),
            disabled=True,
            show_index=False,
            pagination="remote",
            page_size=50,
            sizing_mode="stretch_width",
        )
        self.result: pa.Table | None = None
        self.csv = pn.widgets.FileDownload(
            callback=self._csv, filename="result.csv", label="Download CSV", disabled=True, width=160
        )
        self.parquet = pn.widgets.FileDownload(
            callback=self._parquet, filename="result.parquet", label="Download Parquet", disabled=True, width=160
        )
        self.run.on_click(guarded(notice, lambda e: self.execute()))

    def execute(self) -> None:
        text = self.editor.value_input or self.editor.value or ""
        if not text.strip():
            self.notice.error("Write a query first.")
            return
        started = time.perf_counter()
        result = self.container.queries().sql(text, limit=self.limit.value)
        seconds = time.perf_counter() - started
        self.result = result
        self.grid.value = pandas(result)
        capped = " (the row limit)" if result.num_rows >= self.limit.value else ""
        self.status.object = f"{result.num_rows:,} rows{capped} in {seconds:.2f} s"
        self.csv.disabled = self.parquet.disabled = False
        self.notice.clear()

    def _csv(self) -> io.BytesIO:
        import pyarrow.csv as pcsv

        out = io.BytesIO()
        if self.result is not None:
            pcsv.write_csv(self.result, out)
        out.seek(0)
        return out

    def _parquet(self) -> io.BytesIO:
        import pyarrow.parquet as pq

        out = io.BytesIO()
        if self.result is not None:
            pq.write_table(self.result, out)
        out.seek(0)
        return out

    def view(self) -> pn.Column:
        return pn.Column(
            self.editor,
            pn.Row(self.limit, self.run, self.csv, self.parquet, self.status),
            self.grid,
            sizing_mode="stretch_width",
        )


def page(container: Any) -> pn.template.BaseTemplate:
    notice = Notice()
    browser = Browser(container, notice)
    sql = SqlBox(container, notice)
    profile = profile_view(container, browser.schema, lambda: (browser.table.value, browser.as_of), notice)
    try:
        browser.open_table()
    except Exception as exc:
        notice.report(exc)
    Live(container, {"snapshot", "load"}, guarded(notice, browser.refresh_count))
    tabs = pn.Tabs(
        ("Rows", browser.view()),
        ("Schema", browser.schema),
        ("Profile", profile),
        ("SQL", sql.view()),
        dynamic=True,  # a tab's widgets go to the browser when it is opened: the rows show sooner
        sizing_mode="stretch_width",
    )
    return frame("/data", notice, tabs)
