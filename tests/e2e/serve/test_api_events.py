"""`/ws/events` of a real `hpdp serve`: writes of this server and of other processes (run events: in
test_api_run_events.py)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest
from websockets.sync.client import connect

from tests.e2e.serve.api_server import TOKEN, Server, serve_api
from tests.e2e.serve.events_client import created, until, writer


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serve_api(tmp_path_factory.mktemp("events") / "ws") as served:
        yield served


def socket(server: Server, query: str = ""):  # type: ignore[no-untyped-def]
    return connect(f"{server.ws}/ws/events{query}", additional_headers={"Authorization": f"Bearer {TOKEN}"})


def test_a_write_by_another_process_arrives_as_snapshot_created(server: Server) -> None:
    csv = server.home.parent / "imported.csv"
    csv.write_text("id,name\n1,a\n2,b\n")
    with server.client() as api, socket(server) as ws:
        until(ws.recv, created("ready"), nudge=writer(api, "ready"))  # the socket is listening now
        done = subprocess.run(
            [sys.executable, "-m", "hpdp", "import", str(csv), "--table", "imported"],
            env=server.env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        event, _ = until(ws.recv, created("imported"))
    assert event["snapshot"] >= 1 and event["at"].endswith("Z")


def test_a_python_writer_elsewhere_is_seen_too_and_types_narrow_the_stream(server: Server) -> None:
    code = (
        "import hpdp, pyarrow as pa\n"
        f"with hpdp.open(home={str(server.home)!r}) as hp: hp.write('from_python', pa.table({{'v': [1]}}))\n"
    )
    with server.client() as api, socket(server, "?types=snapshot.created") as ws:
        until(ws.recv, created("ready2"), nudge=writer(api, "ready2"))
        subprocess.run([sys.executable, "-c", code], env=server.env, check=True, timeout=120)
        _, seen = until(ws.recv, created("from_python"))
    assert {e["type"] for e in seen} == {"snapshot.created"}
