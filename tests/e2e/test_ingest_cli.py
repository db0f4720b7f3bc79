"""`hpdp ingest`, `hpdp sources` and `hpdp loads` as a user runs them, against the real test API."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import yaml

from tests.integration.sources.api import Api, build_app
from tests.integration.sources.servers import serve_asgi


@pytest.fixture
def api():
    return Api()


@pytest.fixture
def home(workspace, api):
    with serve_asgi(build_app(api)) as url:
        sources = {
            "items": {
                "kind": "rest",
                "url": f"{url}/next_link",
                "records": "data",
                "mode": "merge",
                "key": "id",
                "pagination": {"type": "next_link", "total": "meta.total"},
                "incremental": {"field": "updated_at", "param": "since", "lag": "5m"},
            },
            "pages": {"url": f"{url}/page", "records": "data", "pagination": {"type": "page", "limit": 10}},
        }
        (workspace / "sources.yaml").write_text(yaml.safe_dump({"sources": sources}))
        yield workspace


def hpdp(home, *args):
    env = {**os.environ, "HPDP_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "hpdp", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def test_ingest_prints_one_line_and_stays_quiet_when_not_interactive(home):
    done = hpdp(home, "ingest", "items")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    lines = done.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("items: 25 rows in 3 pages to items (merge)")
    assert "snapshot" in lines[0]


def test_ingest_all_then_sources_and_loads_show_the_history(home, api):
    assert hpdp(home, "ingest", "--all").returncode == 0
    api.faults = [(404, {})]
    failed = hpdp(home, "ingest", "items")
    assert failed.returncode == 1 and failed.stderr.startswith("Error: ") and "HTTP 404" in failed.stderr
    listing = hpdp(home, "sources").stdout
    assert "items" in listing and "pages" in listing and "failed" in listing and "updated_at" in listing
    history = hpdp(home, "loads", "items").stdout
    assert history.count("items") >= 2 and "ok" in history and "failed" in history


def test_ingest_all_loads_the_other_sources_when_one_fails(home, api):
    api.faults = [(404, {})]  # the first request: source "items" (sorted first)
    done = hpdp(home, "ingest", "--all")
    assert done.returncode == 1
    assert "Error: items: " in done.stderr and "HTTP 404" in done.stderr
    assert done.stderr.strip().endswith("Error: 1 of 2 sources failed (items); see `hpdp loads`.")
    assert done.stdout.startswith("pages: 25 rows")


def test_full_refresh_and_bad_invocations(home):
    assert hpdp(home, "ingest", "items").returncode == 0
    again = hpdp(home, "ingest", "items", "--full-refresh")
    assert "(replace)" in again.stdout
    unknown = hpdp(home, "ingest", "nope")
    assert unknown.returncode == 1
    assert (
        unknown.stderr.strip() == "Error: No source named 'nope' in the sources catalog; known sources: items, pages; "
        "`hpdp sources` lists the sources."
    )
    neither = hpdp(home, "ingest")
    assert neither.returncode == 1 and "Name one source or pass --all" in neither.stderr


def test_no_catalog_yet_says_where_to_declare_sources(workspace):
    assert "declare them in sources.yaml" in hpdp(workspace, "sources").stdout
    assert "No loads yet" in hpdp(workspace, "loads").stdout


def test_a_terminal_gets_a_progress_bar_with_rows_pages_and_rate(home, api):
    import fcntl
    import pty
    import struct
    import termios
    import threading

    api.slow_page = (2, 1.0)
    master, replica = pty.openpty()
    fcntl.ioctl(replica, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 160, 0, 0))
    env = {**os.environ, "HPDP_HOME": str(home), "TERM": "xterm"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "hpdp", "ingest", "items"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=replica,
    )
    os.close(replica)
    seen = bytearray()

    def drain() -> None:
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                return
            if not chunk:
                return
            seen.extend(chunk)

    reader = threading.Thread(target=drain)
    reader.start()
    out, _ = proc.communicate(timeout=120)
    reader.join(timeout=10)
    os.close(master)
    assert proc.returncode == 0
    assert b"items: 25 rows" in out
    text = seen.decode(errors="replace")
    assert "rows" in text and "pages" in text and "rows/s" in text
