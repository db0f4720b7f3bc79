"""The wheel, installed as a user installs it: a fresh venv in a temporary folder, outside the checkout.

pip's cache (filled by `make setup`) keeps the installs fast; this environment's pip installs into the new venv.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.jupyter.lab import free_port, wait_ready

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def pip_install(python: Path, *requirements: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-compile", *requirements],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]


def build_wheel(tmp_path: Path) -> Path:
    """From a copy of the sources, so that the build leaves nothing in the checkout."""
    source = tmp_path / "source"
    shutil.copytree(ROOT / "hpdp", source / "hpdp", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    dist = tmp_path / "dist"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist), str(source)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    [wheel] = dist.glob("hpdp-*.whl")
    return wheel


def test_the_wheel_works_from_a_fresh_venv_outside_the_checkout(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    python = bin_dir / ("python.exe" if os.name == "nt" else "python")
    work = tmp_path / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HPDP_", "JUPYTER", "PYTHON", "VIRTUAL_ENV"))}
    env.update(HPDP_HOME=str(work / "ws"))
    for name in ("JUPYTER_DATA_DIR", "JUPYTER_CONFIG_DIR", "JUPYTER_RUNTIME_DIR", "JUPYTERLAB_WORKSPACES_DIR"):
        env[name] = str(tmp_path / "jupyter" / name.lower())
    env["PATH"] = os.pathsep.join([str(bin_dir), env.get("PATH", "")])

    def hpdp(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(bin_dir / "hpdp"), *args], cwd=work, env=env, capture_output=True, text=True, timeout=300
        )

    pip_install(python, str(wheel))  # the core only
    assert hpdp("--help").returncode == 0
    answer = hpdp("sql", "SELECT 6 * 7 AS answer", "--format", "csv")
    assert answer.returncode == 0 and answer.stdout.split() == ["answer", "42"], answer.stderr
    missing = hpdp("kernel", "install", "--prefix", str(tmp_path / "prefix"))
    assert missing.returncode == 1
    assert missing.stderr == "Error: This command needs the jupyter extra: pip install 'hpdp[jupyter]'\n"
    copied = hpdp("examples", "examples")
    assert copied.returncode == 0, copied.stderr
    assert (work / "examples" / "notebooks" / "profile_table.ipynb").is_file()
    assert (work / "examples" / "experiments" / "processor_engines.yaml").is_file()

    pip_install(python, f"hpdp[jupyter,runs] @ {wheel.as_uri()}")
    installed = hpdp("kernel", "install", "--prefix", str(tmp_path / "prefix"))
    assert installed.returncode == 0, installed.stderr
    spec = json.loads((tmp_path / "prefix" / "share" / "jupyter" / "kernels" / "hpdp" / "kernel.json").read_text())
    assert Path(spec["argv"][0]).parent == bin_dir
    extensions = subprocess.run(
        [str(bin_dir / "jupyter"), "labextension", "list"], cwd=work, env=env, capture_output=True, text=True
    )
    plain = re.sub(r"\x1b\[[0-9;]*m", "", extensions.stdout + extensions.stderr)  # it colours even a pipe
    listed = [line.split() for line in plain.splitlines()]
    assert ["hpdp-sql", "v0.1.0", "enabled", "OK", "(python,", "hpdp)"] in listed  # any JupyterLab here loads it
    ran = hpdp("run", "examples/notebooks/profile_table.ipynb", "-p", "bins", "10")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert ran.stderr == "" and "finished" in ran.stdout

    port, token, log = free_port(), "wheel-test-token", tmp_path / "lab.log"
    with log.open("w") as out:
        argv = [str(bin_dir / "hpdp"), "lab", "--port", str(port), "--token", token, "--dir", str(work)]
        lab = subprocess.Popen(argv, cwd=work, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}/api/kernelspecs?token={token}"
        wait_ready(url, lab, log)
        with urllib.request.urlopen(url, timeout=10) as answer:
            specs = json.load(answer)
        assert specs["default"] == "hpdp" and "hpdp" in specs["kernelspecs"]  # the packaged spec and settings
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/lab?token={token}", timeout=10) as answer:
            assert '"hpdp-sql"' in answer.read().decode()  # the SQL highlighting, prebuilt: no Node
    finally:
        lab.terminate()
        lab.wait(timeout=30)
