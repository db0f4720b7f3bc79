"""`hpdp kernel install` and `hpdp lab` as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def hpdp(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hpdp", *args],
        env=env or dict(os.environ),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_kernel_install_into_a_prefix_points_at_this_environment(tmp_path: Path) -> None:
    run = hpdp("kernel", "install", "--prefix", str(tmp_path))
    assert run.returncode == 0, run.stderr
    spec_file = tmp_path / "share" / "jupyter" / "kernels" / "hpdp" / "kernel.json"
    assert f"Installed the hpdp kernel in {spec_file.parent}" in run.stdout
    spec = json.loads(spec_file.read_text())
    assert spec["argv"][0] == sys.executable
    assert "--IPKernelApp.extensions=hpdp" in spec["argv"] and spec["display_name"] == "hpdp"


def test_kernel_install_for_the_user(tmp_path: Path) -> None:
    env = {**os.environ, "JUPYTER_DATA_DIR": str(tmp_path / "data")}
    run = hpdp("kernel", "install", "--user", "--name", "hpdp-test", env=env)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "data" / "kernels" / "hpdp-test" / "kernel.json").is_file()


def test_user_and_prefix_together_are_refused(tmp_path: Path) -> None:
    run = hpdp("kernel", "install", "--user", "--prefix", str(tmp_path))
    assert run.returncode == 1
    assert run.stderr.strip() == "Error: Choose either --user or --prefix, not both."
    assert not (tmp_path / "share").exists()


def test_lab_refuses_a_missing_folder(tmp_path: Path) -> None:
    run = hpdp("lab", "--dir", str(tmp_path / "nope"))
    assert run.returncode == 1
    assert run.stderr.startswith("Error: Folder ") and "does not exist" in run.stderr
