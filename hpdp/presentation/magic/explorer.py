"""The explorer of a big SQL result (ipywidgets): its row count, one page at a time, sorting and downloads.

Every page, sort and download is asked of the cell service, which runs it in DuckDB on the notebook's
session; only the page shown reaches Python and the browser. Without a live kernel (a saved notebook, nbval,
papermill) the output shows its static twin: the first page as an HTML table.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from hpdp.domain.errors import HpdpError
from hpdp.presentation.magic.display import Preview, ResultView, seconds, table_html

if TYPE_CHECKING:
    from hpdp.application.cells import CellService, KeptResult, ResultPage

_NO_SORT = ""


class Explorer(widgets.VBox):
    """A kept result, browsed page by page; the buttons and the sort menu run queries, not Python code."""

    def __init__(
        self,
        cells: CellService,
        kept: KeptResult,
        *,
        page_size: int,
        elapsed: float,
        folder: Path,
    ) -> None:
        self.cells = cells
        self.kept = kept
        self.page_size = page_size
        self.folder = folder
        self.offset = 0
        self.order_by: str | None = None
        self.descending = False
        first = kept.first
        self.static = ResultView(None, limit=page_size, elapsed=elapsed, shown=_preview(first))
        columns = f"{len(first.columns)} column{'s' * (len(first.columns) != 1)}"
        self.summary = widgets.HTML(f"<b>{first.total:,} rows</b> × {columns} · {seconds(elapsed)}")
        self.previous = widgets.Button(description="‹ Previous", tooltip="The page before", layout={"width": "auto"})
        self.next = widgets.Button(description="Next ›", tooltip="The page after", layout={"width": "auto"})
        self.position = widgets.HTML()
        self.sort = widgets.Dropdown(
            options=[("no order", _NO_SORT), *((c, c) for c in first.columns)],
            value=_NO_SORT,
            description="Sort by",
            layout={"width": "auto"},
        )
        self.direction = widgets.ToggleButton(description="descending", tooltip="Sort from the largest value")
        self.parquet = widgets.Button(description="Parquet", icon="download", tooltip="Save the whole result")
        self.csv = widgets.Button(description="CSV", icon="download", tooltip="Save the whole result")
        self.table = widgets.HTML(self._table(first))
        self.table.add_class("hpdp-sql-result")
        self.message = widgets.HTML()
        for widget, role in ((self.summary, "summary"), (self.position, "position"), (self.message, "message")):
            widget.add_class(f"hpdp-sql-{role}")
        self.bar = widgets.IntProgress(min=0, max=100, description="writing", layout={"display": "none"})
        self.previous.on_click(lambda _: self.go(self.offset - self.page_size))
        self.next.on_click(lambda _: self.go(self.offset + self.page_size))
        self.sort.observe(lambda _: self.order(self.sort.value or None, self.direction.value), names="value")
        self.direction.observe(lambda _: self.order(self.sort.value or None, self.direction.value), names="value")
        self.parquet.on_click(lambda _: self.download("parquet"))
        self.csv.on_click(lambda _: self.download("csv"))
        bar = widgets.HBox(
            [self.summary, self.previous, self.position, self.next, self.sort, self.direction, self.parquet, self.csv],
            layout={"align_items": "center", "flex_flow": "row wrap"},
        )
        super().__init__([bar, self.table, self.bar, self.message])
        self.add_class("hpdp-sql-explorer")
        self._buttons()

    # -- what the buttons do ------------------------------------------------------------------------
    def go(self, offset: int) -> None:
        """Show the page that starts at row `offset` (clamped to the result)."""
        last = max(0, (self.kept.total - 1) // self.page_size * self.page_size)
        self._show(min(max(0, offset), last), self.order_by, self.descending)

    def order(self, column: str | None, descending: bool = False) -> None:
        """Sort the whole result by `column` in DuckDB and show its first page."""
        self._show(0, column, descending)

    def download(self, format: str) -> Path | None:
        """Write the whole result next to the notebook with DuckDB, and link to the file."""
        path = _free_name(self.folder, f"result-{self.kept.id}", format)
        self.message.value = ""
        try:
            self.cells.export(self.kept.id, path, format, progress=self._writing)
        except HpdpError as exc:
            self._say(str(exc), error=True)
            return None
        finally:
            self.bar.layout.display = "none"
        name = escape(path.name)
        self.message.value = f'Saved <a href="{name}" download="{name}" target="_blank">{name}</a>'
        return path

    def _writing(self, fraction: float | None) -> None:
        self.bar.layout.display = None
        self.bar.value = 0 if fraction is None else round(fraction * 100)

    def _show(self, offset: int, order_by: str | None, descending: bool) -> None:
        try:
            page = self.cells.page(self.kept.id, offset, self.page_size, order_by, descending)
        except HpdpError as exc:
            self._say(str(exc), error=True)
            return
        self.offset, self.order_by, self.descending = offset, order_by, descending
        self.table.value = self._table(page)
        self.message.value = ""
        self._buttons()

    # -- drawing -----------------------------------------------------------------------------------
    def _table(self, page: ResultPage) -> str:
        return table_html(_preview(page), self.order_by, self.descending)

    def _buttons(self) -> None:
        total, start = self.kept.total, self.offset
        self.previous.disabled = start == 0
        self.next.disabled = start + self.page_size >= total
        self.position.value = f"rows {start + 1:,}–{min(start + self.page_size, total):,}"

    def _say(self, text: str, *, error: bool = False) -> None:
        style = ' style="color: var(--jp-error-color1, #c00)"' if error else ""
        self.message.value = f"<span{style}>{escape(text)}</span>"

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        """The widget, with the first page as HTML and text for outputs read without a kernel."""
        bundle = dict(super()._repr_mimebundle_(**kwargs) or {})
        bundle["text/html"] = self.static._repr_html_()
        bundle["text/plain"] = repr(self.static)
        return bundle


def _preview(page: ResultPage) -> Preview:
    return Preview(page.columns, page.types, page.rows, page.total)


def _free_name(folder: Path, stem: str, suffix: str) -> Path:
    """`stem.suffix` in the folder, or `stem-2.suffix`, ... if taken: a download never overwrites a file."""
    path, n = folder / f"{stem}.{suffix}", 1
    while path.exists():
        n += 1
        path = folder / f"{stem}-{n}.{suffix}"
    return path
