"""`hpdp lab` for browser tests: its own port, token, workspace and Jupyter folders; stopped by PID."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.jupyter.kernel import jupyter_env
from tests.e2e.jupyter.lab import free_port, wait_ready, write_notebook


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[tuple[str, str, Path]]:
    """The server's base URL, its token and its log; notebooks go in `tmp_path / "notebooks"` (an empty
    `query.ipynb` is there)."""
    root = tmp_path / "notebooks"
    root.mkdir()
    write_notebook(root / "query.ipynb", [""])
    scratch = tmp_path / "jupyter"
    env = jupyter_env(tmp_path / "ws", scratch)
    del env["JUPYTER_PATH"]  # `hpdp lab` itself must make the hpdp kernel visible
    env.update(
        JUPYTERLAB_WORKSPACES_DIR=str(scratch / "workspaces"),
        JUPYTERLAB_SETTINGS_DIR=str(scratch / "settings"),
    )
    port, token = free_port(), "hpdp-test-token"
    log = tmp_path / "lab.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "hpdp", "lab", "--port", str(port), "--token", token, "--dir", str(root)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    try:
        wait_ready(f"http://127.0.0.1:{port}/api/status?token={token}", proc, log)
        first = log.read_text().splitlines()[0]
        assert first == f"JupyterLab: http://127.0.0.1:{port}/lab?token={token}"
        specs = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/api/kernelspecs?token={token}"))
        assert "hpdp" in specs["kernelspecs"]
        yield f"http://127.0.0.1:{port}", token, log
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
