"""A notebook with a plot cell, run headless by papermill in the hpdp kernel, keeps the plot as a PNG."""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path

import nbformat

from tests.e2e.jupyter.kernel import jupyter_env


def test_a_headless_run_keeps_a_static_image_of_the_plot(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "hpdp", "display_name": "hpdp", "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell("%%sql\nCREATE TABLE waits AS SELECT (range % 60) * 1.0 AS minutes FROM range(5000)"),
        nbformat.v4.new_code_cell("%%sql --plot histogram x=minutes bins=12\nSELECT minutes FROM waits"),
        nbformat.v4.new_code_cell("%sqlplot box waits y=minutes"),
    ]
    source, done = tmp_path / "plots.ipynb", tmp_path / "plots.out.ipynb"
    nbformat.write(nb, source)
    run = subprocess.run(
        [sys.executable, "-m", "papermill", str(source), str(done), "-k", "hpdp", "--cwd", str(tmp_path)],
        env=jupyter_env(tmp_path / "ws", tmp_path / "jupyter"),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    ran = nbformat.read(done, as_version=4)
    for cell in ran.cells[1:]:
        images = [o["data"]["image/png"] for o in cell.outputs if "image/png" in o.get("data", {})]
        assert len(images) == 1, cell.outputs
        assert base64.b64decode(images[0]).startswith(b"\x89PNG\r\n\x1a\n")
    caption = next(o["data"]["text/plain"] for o in ran.cells[1].outputs if "image/png" in o.get("data", {}))
    assert caption.startswith("histogram x=minutes: 5,000 rows, 12 bins")
