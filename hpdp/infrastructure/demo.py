"""The first-start demo wired to a workspace: `seed_demo(home, api_url)` for `hpdp up` and the CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hpdp.application.demo_setup import DemoPlan, DemoSetup
from hpdp.infrastructure.catalog import parse_source
from hpdp.infrastructure.container import Container
from hpdp.infrastructure.resources import demo_files
from hpdp.infrastructure.settings import Settings, load_settings


def demo_api_url(settings: Settings) -> str:
    return f"http://127.0.0.1:{settings.demo_api_port}"


def demo_setup(c: Container) -> DemoSetup:
    settings = c.settings
    kinds = c.registries.sources.names()

    def check_sources(entries: dict[str, dict[str, Any]]) -> None:
        for name, entry in entries.items():
            parse_source(name, entry, kinds, env={})

    return DemoSetup(
        home=settings.resolved_home(),
        catalog_file=settings.resolved_sources_file(),
        files=demo_files(),
        schedules=c.schedules(),
        tables=lambda: [t.name for t in c.store().tables()],
        check_sources=check_sources,
    )


def seed_demo(home: Path, api_url: str | None = None, *, settings: Settings | None = None) -> DemoPlan:
    """Seed an empty workspace for the demo API at `api_url` (default: 127.0.0.1 on HPDP_DEMO_API_PORT);
    any other workspace is left alone (see `DemoPlan.left_alone`)."""
    chosen = (settings or load_settings()).model_copy(update={"home": Path(home)})
    with Container(chosen) as c:
        return demo_setup(c).seed(api_url or demo_api_url(chosen))
