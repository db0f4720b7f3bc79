"""`hpdp flight` as a user runs it: refused without a token beyond this machine, stopped cleanly by SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pyarrow.flight as fl
import pytest

from tests.e2e.test_cli import hpdp, one_error_line


@pytest.fixture
def cli_env(workspace: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HPDP_") or k.startswith("HPDP_TEST_")}
    env["HPDP_HOME"] = str(workspace)
    return env


def test_binding_beyond_this_machine_without_a_token_is_refused(cli_env, tmp_path):
    for host in ("0.0.0.0", "::"):
        proc = hpdp("flight", "--host", host, "--port", "0", env=cli_env, cwd=tmp_path, check=False)
        line = one_error_line(proc)
        assert "token is required" in line and "--token" in line


def test_the_server_answers_with_its_token_and_stops_on_sigterm(cli_env, tmp_path: Path):
    hpdp("sql", "CREATE TABLE people AS SELECT 1 AS id", env=cli_env, cwd=tmp_path)
    cli_env["HPDP_SERVE_TOKEN"] = "tok-123"
    proc = subprocess.Popen(
        [sys.executable, "-m", "hpdp", "flight", "--port", "0"],
        env=cli_env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = proc.stdout.readline()
        found = re.search(r"grpc://127\.0\.0\.1:(\d+)", first)
        assert found and "tok-123" not in first, first + proc.stderr.read()
        options = fl.FlightCallOptions(headers=[(b"authorization", b"Bearer tok-123")])
        with fl.connect(f"grpc+tcp://127.0.0.1:{found[1]}") as client:
            assert [i.total_records for i in client.list_flights(b"", options)] == [1]
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill() if proc.poll() is None else None
    if os.name != "nt":  # Windows ends the process outright
        assert proc.returncode == 0 and "Stopped." in out, err
    assert "tok-123" not in out + err
