"""The first-start demo as `hpdp up` runs it: `hpdp demo-api` in the background, the workspace seeded, the
seeded ingest notebook run in a real kernel against the API."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import hpdp as hpdp_package
from hpdp.infrastructure.demo import seed_demo
from tests.e2e.runs_cli import env_for, hpdp, start, stop, wait_for

pytestmark = pytest.mark.slow


def served_url(log: Path) -> str | None:
    found = re.search(r"hpdp demo API at (http://127\.0\.0\.1:\d+)", log.read_text())
    return found.group(1) if found else None


def test_the_seeded_ingest_notebook_loads_the_running_demo_api(tmp_path: Path, workspace: Path) -> None:
    env = env_for(workspace)
    log = tmp_path / "demo-api.log"
    api = start(env, "demo-api", "--port", "0", "--rate", "10", "--tick", "0.5", "--initial", "120", log=log)
    try:
        url = wait_for(lambda: served_url(log) or api.poll() is not None, timeout=180, every=0.2)
        assert isinstance(url, str), log.read_text()
        assert seed_demo(workspace, url).seeded
        notebook = workspace / "notebooks" / "ingest_source.ipynb"
        done = hpdp(env, "run", str(notebook), "-p", "source", "demo_flights", timeout=900)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        hp = hpdp_package.open(home=str(workspace))
        try:
            query = "SELECT count(*) AS n, count(DISTINCT id) AS ids FROM flights"
            [counts] = hp.sql(query, format="arrow").to_pylist()
            [load] = hp.ingestion.loads("demo_flights")
        finally:
            hp.close()
        assert counts["n"] >= 120
        assert counts == {"n": load.rows, "ids": load.rows}
    finally:
        stop(api)
    assert api.returncode == 0, log.read_text()
    assert log.read_text().rstrip().endswith("hpdp demo API stopped.")
