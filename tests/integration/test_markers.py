"""Every marker the project declares selects the tests it names (`pytest -m sources`, `-m ducklake`, ...)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Every test in these places carries the marker, and no test elsewhere does.
PLACES = {
    "sources": ("tests/integration/sources/", "tests/e2e/test_ingest_cli.py"),
    "kernel": (
        "tests/integration/runs/",
        "tests/e2e/jupyter/",
        "tests/e2e/serve/test_api_run_events.py",
        "tests/e2e/test_runs_cli.py",
        "tests/e2e/test_demo_cli.py",
        "tests/e2e/test_run_output.py",
        "tests/e2e/test_wheel.py",
        "tests/e2e/test_up.py",
        "tests/e2e/test_plugin.py::test_a_queue_and_a_tracker",
        "tests/e2e/test_insights_cli.py::test_a_notebook_that_got_30_percent_slower",
        "tests/e2e/test_mlflow_server.py::test_a_run_tracked_over_http",
        "tests/e2e/test_hosts.py",
    ),
    "browser": (
        "tests/e2e/jupyter/test_lab_browser.py",
        "tests/e2e/jupyter/test_lab_cells.py",
        "tests/e2e/jupyter/test_lab_explorer.py",
        "tests/e2e/serve/test_pages_browser.py",
        "tests/e2e/test_hosts.py",
    ),
    "hosts": ("tests/e2e/test_hosts.py",),
    "flight": ("tests/integration/flight/", "tests/e2e/test_flight_cli.py", "tests/e2e/test_up.py"),
}


def declared_markers() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return [m.split(":")[0] for m in config["tool"]["pytest"]["ini_options"]["markers"]]


def test_every_declared_marker_selects_tests_in_its_place(tmp_path: Path) -> None:
    report = tmp_path / "marks.json"
    env = {**os.environ, "HPDP_TEST_MARKER_REPORT": str(report)}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "tests.marker_report", "-p", "no:cacheprovider"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    marks: dict[str, list[str]] = json.loads(report.read_text())
    for marker in declared_markers():
        selected = [node for node, names in marks.items() if marker in names]
        assert selected, f"`pytest -m {marker}` selects nothing"
        places = PLACES.get(marker)
        if places:
            stray = [node for node in selected if not node.startswith(places)]
            assert not stray, f"`-m {marker}` selects tests outside {places}: {stray[:3]}"
            unmarked = [node for node in marks if node.startswith(places) and marker not in marks[node]]
            assert not unmarked, f"tests in {places} lack `{marker}`: {unmarked[:3]}"
