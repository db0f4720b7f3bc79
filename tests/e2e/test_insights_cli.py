"""`hpdp insights` on a real workspace: a notebook that got slower, a source that lost half its rows."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import pytest
import yaml

import hpdp
from hpdp.domain.errors import HpdpError
from tests.e2e.runs_cli import env_for
from tests.e2e.runs_cli import hpdp as cli
from tests.integration.sources.api import Api, build_app
from tests.integration.sources.servers import serve_asgi

WAIT_S = 4.0
MACHINE_TIMED = ("bottleneck", "duration_regression", "resource_outlier")  # what the machine decides


def waiting_notebook(path: Path, upstream: Path) -> Path:
    """A notebook without parameters that waits as long as its upstream (a file) says."""
    source = f"import time, pathlib\ntime.sleep(float(pathlib.Path({str(upstream)!r}).read_text()))\n"
    cell = {"cell_type": "code", "execution_count": None, "id": "wait", "metadata": {}, "outputs": [], "source": source}
    path.write_text(json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return path


def insights(env, *args):
    done = cli(env, "insights", "--json", *args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.kernel
def test_a_notebook_that_got_30_percent_slower_is_named_with_its_first_slow_run_and_stays_dismissed(workspace):
    upstream = workspace / "upstream.txt"
    # the wait dwarfs a run's own overhead, whose jitter on a loaded machine (up to about half a second) would
    # otherwise make a baseline run look as slow as the new level, and so the first slow run ambiguous
    upstream.write_text(str(WAIT_S))
    notebook = waiting_notebook(workspace / "wait.ipynb", upstream)
    settings = {"home": workspace, "tracker": "memory", "run_pool_size": 1}
    with hpdp.open(**settings) as hp:
        runs = [hp.run_notebook(notebook) for _ in range(12)]
        usual = statistics.median(r.duration_s for r in runs)
        upstream.write_text(str(WAIT_S + 0.3 * usual))  # the upstream got slower: each run takes 30% longer
        runs += [hp.run_notebook(notebook) for _ in range(4)]
    assert all(r.status.value == "finished" for r in runs)
    env = env_for(workspace, tracker="memory")

    [regression] = [f for f in insights(env) if f["kind"] == "duration_regression"]
    assert regression["subject"] == str(notebook.resolve()) and regression["status"] == "open"
    assert regression["since"] == runs[12].id
    assert "wait.ipynb" in regression["message"] and f"from run {runs[12].id} on" in regression["message"]
    assert regression["evidence"]["first_slow"] == runs[12].id
    assert {"id", "kind", "subject", "severity", "status", "message", "since", "evidence"} <= set(regression)

    dismissed = cli(env, "insights", "dismiss", regression["id"])
    assert dismissed.returncode == 0 and dismissed.stdout.startswith(f"Dismissed {regression['id']}")
    with hpdp.open(**settings) as hp:
        runs.append(hp.run_notebook(notebook))  # another slow run: the same evidence
    assert runs[-1].status.value == "finished"
    assert [f for f in insights(env) if f["kind"] == "duration_regression"] == []
    assert [f["status"] for f in insights(env, "--all") if f["kind"] == "duration_regression"] == ["dismissed"]
    ledger = cli(env, "sql", "SELECT id FROM hpdp_meta.executions WHERE kind = 'run'", "--format", "csv")
    assert sorted(ledger.stdout.split()[1:]) == sorted(r.id for r in runs)  # each of the 17 runs, once


def test_a_source_that_returns_half_its_rows_raises_a_data_health_finding(workspace):
    api = Api(items=[])
    from tests.integration.sources.api import item

    api.items = [item(i) for i in range(1, 41)]
    with serve_asgi(build_app(api)) as url:
        spec = {"kind": "rest", "url": f"{url}/next_link", "records": "data", "mode": "replace"}
        spec["pagination"] = {"type": "next_link", "total": "meta.total"}
        (workspace / "sources.yaml").write_text(yaml.safe_dump({"sources": {"items": spec}}))
        with hpdp.open(home=workspace) as hp:
            for _ in range(7):
                assert hp.ingest("items").rows == 40
            api.items = api.items[:20]  # the API starts returning half its rows
            half = hp.ingest("items")
    env = env_for(workspace)
    [health] = [f for f in insights(env) if f["kind"] == "data_health"]
    assert health["subject"] == "items" and health["since"] == half.load_id
    assert "20 rows against a usual 40" in health["message"]
    assert cli(env, "insights", "dismiss", health["id"]).returncode == 0
    assert [f for f in insights(env) if f["kind"] == "data_health"] == []
    phases = cli(env, "sql", "SELECT phases FROM hpdp_meta.executions WHERE kind = 'load' LIMIT 1", "-f", "json")
    assert all(name in phases.stdout for name in ("fetch", "parse", "write", "commit"))


def test_a_source_that_starts_failing_and_a_slow_api_are_found_without_asking(workspace):
    steady, slow = Api(items=[]), Api(items=[])
    from tests.integration.sources.api import item

    steady.items = slow.items = [item(i) for i in range(1, 11)]
    slow.slow_page = (1, 3.0)  # 3 s to answer: fetch is most of each load even when a loaded machine slows the rest
    with serve_asgi(build_app(steady)) as steady_url, serve_asgi(build_app(slow)) as slow_url:
        sources = {
            name: {"kind": "rest", "url": f"{url}/next_link", "records": "data", "mode": "replace", "retries": 0}
            for name, url in (("orders", steady_url), ("weather", slow_url))
        }
        (workspace / "sources.yaml").write_text(yaml.safe_dump({"sources": sources}))
        with hpdp.open(home=workspace) as hp:
            for _ in range(20):
                assert hp.ingest("orders").rows == 10
            steady.truncate_page = 1  # the API starts answering with broken JSON
            for _ in range(10):
                with pytest.raises(HpdpError):
                    hp.ingest("orders")
            for _ in range(3):
                assert hp.ingest("weather").rows == 10
    env = env_for(workspace)
    stored = "SELECT kind, subject FROM hpdp_meta.findings WHERE status = 'open' ORDER BY kind"
    # stored as the loads were recorded, before anyone asks (this query runs no detector)
    rows = cli(env, "sql", stored, "--format", "csv").stdout.split()
    assert rows[0] == "kind,subject"
    # the steady source's small loads take what the machine gives them, and on a loaded machine the timing
    # detectors rightly name them too; the findings this test causes are exactly these two
    timed = {f"{kind},orders" for kind in MACHINE_TIMED}
    caused = [row for row in rows[1:] if row not in timed]
    assert caused == ["bottleneck,weather", "failure_rate,orders"]
    found = insights(env)
    [failing] = [f for f in found if f["kind"] == "failure_rate"]
    assert failing["subject"] == "orders" and failing["evidence"]["failed"] == 10
    assert "failed 10 of its last 20 loads (50%)" in failing["message"]
    [slow_part] = [f for f in found if f["kind"] == "bottleneck" and f["subject"] == "weather"]
    assert slow_part["evidence"]["phase"] == "fetch"
    assert "of its time in the `fetch` phase" in slow_part["message"]
