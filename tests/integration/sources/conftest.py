from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

import hpdp
from hpdp.application.workbench import Workbench
from tests.integration.sources.api import Api, build_app
from tests.integration.sources.servers import serve_asgi


@pytest.fixture
def api() -> Api:
    return Api()


@pytest.fixture
def api_url(api: Api) -> Iterator[str]:
    with serve_asgi(build_app(api)) as url:
        yield url


def write_catalog(workspace: Path, sources: dict[str, Any]) -> Path:
    path = workspace / "sources.yaml"
    path.write_text(yaml.safe_dump({"sources": sources}, sort_keys=False))
    return path


@pytest.fixture
def open_hp(workspace: Path) -> Iterator[Callable[..., Workbench]]:
    """Writes the catalog and opens a workbench on the workspace (DuckLake); closes them all at the end."""
    opened: list[Workbench] = []

    def _open(sources: dict[str, Any] | None = None, **settings: Any) -> Workbench:
        if sources is not None:
            write_catalog(workspace, sources)
        hp = hpdp.open(home=str(workspace), **settings)
        opened.append(hp)
        return hp

    yield _open
    for hp in opened:
        hp.close()


def ids(hp: Workbench, table: str = "items") -> list[int]:
    return [r["id"] for r in hp.sql(f"SELECT id FROM {table} ORDER BY id", format="arrow").to_pylist()]


@pytest.fixture
def feed() -> Any:
    from tests.integration.sources.streams import Feed

    return Feed()


@pytest.fixture
def ws_url(api: Api, feed: Any) -> Iterator[str]:
    from tests.integration.sources.servers import serve_websocket
    from tests.integration.sources.streams import websocket_handler

    with serve_websocket(websocket_handler(api, feed)) as url:
        yield url


@pytest.fixture
def flight_server(api: Api) -> Any:
    from tests.integration.sources.streams import ItemsFlight

    return ItemsFlight(api)


@pytest.fixture
def flight_url(flight_server: Any) -> Iterator[str]:
    from tests.integration.sources.servers import serve_flight

    with serve_flight(flight_server) as url:
        yield url
