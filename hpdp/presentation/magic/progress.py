"""A running cell's progress bar: an ipywidgets IntProgress, or a line of text without ipywidgets."""

from __future__ import annotations

from typing import Any

from IPython.display import HTML, display


class ProgressBar:
    """Called with the fraction done (None when unknown) while a query runs; `close()` removes it."""

    def __init__(self) -> None:
        self._handle: Any = None
        self._bar: Any = None
        self._last: float | None = -1.0

    def __call__(self, fraction: float | None) -> None:
        if self._handle is None:
            self._open()
        if fraction == self._last:
            return
        self._last = fraction
        percent = None if fraction is None else round(fraction * 100)
        if self._bar is not None:
            if percent is not None:
                self._bar.value = percent
            self._bar.description = "running" if percent is None else f"{percent}%"
        else:
            self._handle.update(HTML(f"<small>Running… {'' if percent is None else f'{percent}%'}</small>"))

    def _open(self) -> None:
        try:
            import ipywidgets as widgets
        except ImportError:  # the jupyter extra is not installed: text instead
            self._handle = display(HTML("<small>Running…</small>"), display_id=True)
            return
        self._bar = widgets.IntProgress(value=0, min=0, max=100, description="running", bar_style="info")
        self._bar.add_class("hpdp-sql-progress")
        self._handle = display(self._bar, display_id=True)

    def close(self) -> None:
        if self._handle is None:
            return
        self._handle.update({"text/plain": ""}, raw=True)
        if self._bar is not None:
            self._bar.close()
        self._handle = self._bar = None
