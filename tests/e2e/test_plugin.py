"""The worked plugin (examples/plugin) installed as a user installs one: each of its adapters is found through
its entry point and chosen by a setting alone."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
import yaml

from tests.e2e.runs_cli import env_for, hpdp
from tests.notebook_factory import write_notebook

PLUGIN = Path(__file__).parents[2] / "examples" / "plugin"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The plugin installed into a folder of its own (its dist-info carries the entry points), built from a
    copy so that the build leaves nothing in the checkout."""
    target = tmp_path_factory.mktemp("plugin-site")
    source = tmp_path_factory.mktemp("plugin-source") / "plugin"
    shutil.copytree(PLUGIN, source, ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info"))
    pip = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-compile"]
    done = subprocess.run([*pip, "--target", str(target), str(source)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert list(target.glob("hpdp_example_plugin-*.dist-info/entry_points.txt"))
    yield target


def plugin_env(workspace: Path, site: Path, **settings: str) -> dict[str, str]:
    env = env_for(workspace, **settings)
    env["PYTHONPATH"] = str(site)
    return env


def test_a_source_of_the_plugin_loads_its_rows(workspace: Path, site: Path) -> None:
    csv = workspace / "people.csv"
    csv.write_text("id,name\n1,ada\n2,bob\n3,cy\n")
    catalog = {"sources": {"people": {"kind": "csv_file", "url": str(csv), "table": "people"}}}
    (workspace / "sources.yaml").write_text(yaml.safe_dump(catalog))
    env = plugin_env(workspace, site)
    loaded = hpdp(env, "ingest", "people")
    assert loaded.returncode == 0, loaded.stderr
    counted = hpdp(env, "sql", "SELECT count(*) AS n, max(name) AS last FROM people", "--format", "csv")
    assert counted.stdout.split() == ["n,last", "3,cy"]
    csv.unlink()
    missing = hpdp(env, "ingest", "people")
    assert missing.returncode != 0 and "could not read" in missing.stderr and "Traceback" not in missing.stderr


def test_a_store_of_the_plugin_reads_a_duckdb_file_that_the_engine_keeps_read_only(workspace: Path, site: Path) -> None:
    path = workspace / "shared.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE t AS SELECT range AS x FROM range(5)")
    env = plugin_env(workspace, site, db_engine="duckdb_readonly", db_url=f"duckdb:///{path}")
    read = hpdp(env, "sql", "SELECT sum(x) AS total FROM t", "--format", "csv")
    assert read.stdout.split() == ["total", "10"], read.stderr
    refused = hpdp(env, "sql", "CREATE TABLE u (x INTEGER)")
    assert refused.returncode != 0 and "Traceback" not in refused.stderr
    with duckdb.connect(str(path), read_only=True) as con:
        assert [name for (name,) in con.execute("SHOW TABLES").fetchall()] == ["t"]


@pytest.mark.kernel
def test_a_queue_and_a_tracker_of_the_plugin_run_and_track_a_notebook(workspace: Path, site: Path) -> None:
    notebook = write_notebook(workspace / "square.ipynb", "n = 2\n", "import hpdp\nhpdp.log_metric('square', n * n)")
    env = plugin_env(workspace, site, queue="inline", tracker="jsonl")
    done = hpdp(env, "run", str(notebook), "-p", "n", "3")
    assert done.returncode == 0, done.stdout + done.stderr
    [run] = [json.loads(line) for line in (workspace / "tracking.jsonl").read_text().splitlines()]
    assert run["status"] == "FINISHED" and run["params"]["n"] == "3" and run["metrics"]["square"] == 9
