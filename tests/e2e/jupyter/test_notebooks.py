"""Every example notebook runs clean under nbval in the hpdp kernel, on a fresh workspace."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hpdp.infrastructure.resources import examples_dir
from tests.e2e.jupyter.kernel import jupyter_env

TOUR = examples_dir() / "notebooks" / "sql_tour.ipynb"
NOTEBOOKS = sorted((examples_dir() / "notebooks").glob("*.ipynb"))


@pytest.mark.slow
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[n.stem for n in NOTEBOOKS])
def test_the_notebook_runs_clean_under_nbval(notebook: Path, tmp_path: Path) -> None:
    copy = tmp_path / notebook.name  # the kernel runs in the notebook's folder: files it writes stay here
    shutil.copy(notebook, copy)
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:xdist",
            f"--rootdir={tmp_path}",
            "--nbval-lax",
            "--nbval-kernel-name",
            "hpdp",
            str(copy),
        ],
        cwd=tmp_path,
        env=jupyter_env(tmp_path / "ws", tmp_path / "jupyter"),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert " passed" in run.stdout and "failed" not in run.stdout
    if notebook == TOUR:
        assert (tmp_path / "ws" / "lake" / "catalog.sqlite").is_file()  # the tour made its own data


def test_the_tour_uses_the_hpdp_kernel_and_has_no_setup_cell() -> None:
    import nbformat

    nb = nbformat.read(TOUR, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "hpdp"
    sources = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "load_ext" not in sources and "hpdp.open" not in sources
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
