"""`/ws/events` of a real `hpdp serve` following a queued run: queued, started, finished (a kernel runs it)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.serve.api_server import Server, serve_api
from tests.e2e.serve.events_client import until
from tests.e2e.serve.test_api_events import socket

pytestmark = pytest.mark.kernel


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serve_api(tmp_path_factory.mktemp("run-events") / "ws") as served:
        yield served


def test_a_queued_run_sends_queued_started_and_finished(server: Server) -> None:
    with server.client() as api, socket(server, "?types=run.*") as ws:
        holder: dict[str, str] = {}

        def queue_run() -> None:
            if "id" not in holder:  # once: later nudges only wait
                answer = api.post("/api/v1/runs", json={"notebook": str(server.notebook), "parameters": {"x": 3}})
                holder["id"] = answer.json()["id"]

        first, _ = until(ws.recv, lambda e: e["type"].startswith("run."), nudge=queue_run)
        run_id = holder["id"]
        _, seen = until(ws.recv, lambda e: e["type"] in ("run.finished", "run.failed") and e["run_id"] == run_id)
    types = [e["type"] for e in [first, *seen] if e.get("run_id") == run_id]
    assert types[-1] == "run.finished", api_reason(server, run_id)
    assert "run.started" in types


def api_reason(server: Server, run_id: str) -> str:
    with server.client() as api:
        return str(api.get(f"/api/v1/runs/{run_id}").json())
