"""The Panel dashboards of `hpdp serve`, one module per page, mounted at top-level paths of the FastAPI app.

Top-level paths because Bokeh's FastAPI server breaks under a path prefix; it also serves its own `/static`,
so the app must not mount another one there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI

NAMES = ("overview", "data", "sources", "runs", "schedules", "experiments")


def builders(container: Any) -> dict[str, Callable[[], Any]]:
    """Each page's path and the function that builds it for one browser session."""
    from importlib import import_module

    from hpdp.presentation.web.pages.layout import PAGES

    out = {}
    for info, name in zip(PAGES, NAMES, strict=True):
        module = import_module(f"hpdp.presentation.web.pages.{name}")
        out[info.path] = (lambda build: lambda: build(container))(module.page)
    return out


def mount(app: FastAPI, container: Any) -> None:
    """Add every page to `app` (one Bokeh server for all of them)."""
    from panel.io.fastapi import add_applications

    from hpdp.presentation.web.pages.layout import PAGES

    titles = {p.path: f"hpdp · {p.title}" for p in PAGES}
    add_applications(builders(container), app=app, title=titles)
