"""Widgets every page shares: error notices, tables of records, live refresh from workspace events."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

import pandas as pd
import panel as pn

from hpdp.domain.errors import HpdpError, first_line, redact

log = logging.getLogger(__name__)


class Notice(pn.pane.Alert):
    """One alert per page: an error's sentence, or a confirmation; hidden while empty."""

    def __init__(self, **params: Any) -> None:
        super().__init__("", alert_type="danger", visible=False, sizing_mode="stretch_width", **params)

    def error(self, text: str) -> None:
        self.param.update(object=text, alert_type="danger", visible=True)

    def ok(self, text: str) -> None:
        self.param.update(object=text, alert_type="success", visible=True)

    def clear(self) -> None:
        self.visible = False

    def report(self, exc: BaseException) -> None:
        """The web pages' one mapping of errors: an HpdpError's sentence; anything else is logged too."""
        if isinstance(exc, HpdpError):
            self.error(exc.sentence)
        else:
            log.exception("page action failed", exc_info=exc)
            self.error(f"That did not work: {redact(first_line(exc))}")


def guarded(notice: Notice, action: Callable[..., Any]) -> Callable[..., Any]:
    """An event handler that reports its error in `notice` instead of failing the session."""

    @wraps(action)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            result = action(*args, **kwargs)
        except Exception as exc:
            notice.report(exc)
            return None
        return result

    return run


def records_table(rows: Iterable[dict[str, Any]] | pd.DataFrame, **params: Any) -> pn.widgets.Tabulator:
    """A read-only table of rows (dicts or a DataFrame)."""
    frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows))
    options: dict[str, Any] = {
        "disabled": True,
        "show_index": False,
        "sizing_mode": "stretch_width",
        "layout": "fit_data_table",
        "max_height": 420,
    }
    return pn.widgets.Tabulator(frame, **{**options, **params})


def when(moment: Any) -> str:
    """A datetime as `YYYY-MM-DD HH:MM:SS` UTC text; empty for None."""
    return "" if moment is None else f"{moment:%Y-%m-%d %H:%M:%S}"


class Live:
    """Refreshes a page when workspace events of the given kinds arrive, in that page's own session.

    The event feed calls back on its own thread; the callback only counts. A periodic callback of the
    session compares the count with what it has shown and refreshes on the session's thread. `poke()`
    does the same for work the page started itself (an ingest in a background thread).
    """

    def __init__(
        self, container: Any, kinds: Iterable[str], refresh: Callable[[], None], *, period_ms: int = 500
    ) -> None:
        self.kinds = frozenset(kinds)
        self.refresh = refresh
        self._count = 0
        self._shown = 0
        self._unsubscribe: Callable[[], None] | None = container.event_feed().subscribe(self._on_event)
        if pn.state.curdoc is not None and pn.state.curdoc.session_context is not None:
            pn.state.add_periodic_callback(self._tick, period=period_ms)
            pn.state.on_session_destroyed(lambda context: self.close())

    def _on_event(self, event: Any) -> None:
        if event.type.split(".", 1)[0] in self.kinds:
            self._count += 1

    def poke(self) -> None:
        self._count += 1

    def _tick(self) -> None:
        count = self._count
        if count != self._shown:
            self._shown = count
            self.refresh()

    def close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
