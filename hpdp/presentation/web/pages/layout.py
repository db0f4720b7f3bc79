"""The frame of every page: one template, the same navigation in its sidebar."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import panel as pn


@dataclass(frozen=True)
class PageInfo:
    path: str
    title: str


FAVICON = "/static/extensions/panel/images/favicon.ico"
PAGES = (
    PageInfo("/", "Overview"),
    PageInfo("/data", "Data"),
    PageInfo("/sources", "Sources"),
    PageInfo("/runs", "Runs"),
    PageInfo("/schedules", "Schedules"),
    PageInfo("/experiments", "Experiments"),
)


def navigation(current: str) -> pn.pane.HTML:
    links = "".join(
        f'<li><a href="{p.path}" class="hpdp-nav{" hpdp-current" if p.path == current else ""}">{p.title}</a></li>'
        for p in PAGES
    )
    style = (
        "<style>.hpdp-navlist{list-style:none;padding:0;margin:0}.hpdp-navlist li{margin:0.4em 0}"
        ".hpdp-nav{text-decoration:none;font-size:1.05em}.hpdp-current{font-weight:bold}</style>"
    )
    return pn.pane.HTML(f'{style}<ul class="hpdp-navlist">{links}</ul>', sizing_mode="stretch_width")


def frame(current: str, *main: Any, sidebar: tuple[Any, ...] = ()) -> pn.template.BaseTemplate:
    """A page: its title, the navigation and its own sidebar widgets, then its main content."""
    title = next(p.title for p in PAGES if p.path == current)
    template = pn.template.BootstrapTemplate(
        title=f"hpdp · {title}",
        sidebar=[navigation(current), *sidebar],
        sidebar_width=260,
        favicon=FAVICON,  # Bokeh's FastAPI server serves no /favicon.ico
    )
    template.main.append(pn.Column(*main, sizing_mode="stretch_width"))
    return template
