"""A real Flight server on 127.0.0.1 (a free port) over a real DuckLake in tmp_path."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from hpdp.infrastructure.container import Container
from hpdp.infrastructure.settings import load_settings
from hpdp.presentation.flight.server import HpdpFlightServer, serve_flight

NUMBERS = 300_000  # several batches per stream


@dataclass
class Lake:
    container: Container
    first_snapshot: int  # `numbers` with its first half only


@pytest.fixture
def lake(tmp_path: Path) -> Iterator[Lake]:
    with Container(load_settings(home=tmp_path / "ws", db_engine="ducklake")) as c:
        hp = c.workbench()
        half = NUMBERS // 2
        hp.write("numbers", {"id": list(range(half)), "v": [i * 0.5 for i in range(half)]})
        first = hp.current_snapshot()
        hp.write("numbers", {"id": list(range(half, NUMBERS)), "v": [i * 0.5 for i in range(half, NUMBERS)]})
        hp.write("people", {"id": [1, 2, 3], "name": ["ada", "bob", "cy"]})
        yield Lake(c, first)


@pytest.fixture
def start_server(lake: Lake) -> Iterator[Callable[..., HpdpFlightServer]]:
    """Starts servers on free ports, each serving in a thread as `hpdp serve` runs it; all stop at the end."""
    running: list[tuple[HpdpFlightServer, threading.Thread]] = []

    def start(token: str | None = None) -> HpdpFlightServer:
        server = serve_flight(lake.container, "127.0.0.1", 0, token)
        thread = threading.Thread(target=server.serve, daemon=True)
        thread.start()
        running.append((server, thread))
        return server

    yield start
    for server, thread in running:
        server.shutdown()
        thread.join()


@pytest.fixture
def server(start_server: Callable[..., HpdpFlightServer]) -> HpdpFlightServer:
    return start_server()


def url(server: HpdpFlightServer) -> str:
    return f"grpc+tcp://127.0.0.1:{server.port}"
