"""SQL cells in JupyterLab, in a real browser: a plot drawn from the engine's summary, and the stop button."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import Any

import psutil
import pytest

from tests.e2e.jupyter.lab import kernel_status, open_notebook, type_into, write_notebook

RUNAWAY = "%%sql\nSELECT count(*) FROM range(1_000_000_000_000)"


def kernel_process(deadline_s: float = 60) -> psutil.Process:
    """The notebook's kernel: the process below this test that runs a kernel with a connection file (the
    page may show the kernel before its process is listed)."""
    end = time.monotonic() + deadline_s
    while True:
        kernels = []
        for process in psutil.Process().children(recursive=True):
            with contextlib.suppress(psutil.Error):
                line = process.cmdline()
                if "-f" in line and any("kernel" in part for part in line):
                    kernels.append(process)
        if len(kernels) == 1 or time.monotonic() > end:
            assert len(kernels) == 1, f"{len(kernels)} kernel processes"
            return kernels[0]
        time.sleep(0.2)


def wait_idle_cpu(process: psutil.Process, deadline_s: float = 60) -> float:
    """Wait until the process uses under a fifth of a core over half a second; that share."""
    end = time.monotonic() + deadline_s
    share = process.cpu_percent(interval=0.5)
    while share >= 20 and time.monotonic() < end:
        share = process.cpu_percent(interval=0.5)
    return share


@pytest.mark.slow
def test_a_histogram_cell_draws_its_plot_in_jupyterlab_offline(lab: tuple[str, str, Path], browser: Any) -> None:
    from playwright.sync_api import expect

    base, token, _ = lab
    with open_notebook(browser, base, token, "query.ipynb") as page:
        scripts: list[str] = []  # scripts the page could not load (this machine is offline)
        page.on("requestfailed", lambda r: scripts.append(r.url) if r.resource_type == "script" else None)
        cell = page.locator(".jp-NotebookPanel .jp-Cell").first
        type_into(page, cell, "%%sql --plot histogram x=v bins=20\nSELECT random() AS v FROM range(100000)")
        page.keyboard.press("Shift+Enter")
        output = cell.locator(".jp-OutputArea-output")
        # Bokeh draws the interactive plot on a canvas, with BokehJS sent inline by the kernel
        expect(output.locator("canvas").first).to_be_visible(timeout=60_000)
        expect(kernel_status(page)).to_have_attribute("data-status", "idle", timeout=60_000)
        assert "interactive view unavailable" not in cell.locator(".jp-OutputArea").inner_text()
        # BokehJS came with the output, not from its CDN (Panel still asks a CDN for an ES-module shim that
        # only its ReactiveESM components use)
        assert [url for url in scripts if "bokeh" in url] == []


@pytest.mark.slow
def test_the_stop_button_cancels_a_runaway_query_three_times_and_the_next_cell_runs(
    lab: tuple[str, str, Path], browser: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    write_notebook(tmp_path / "notebooks" / "stop.ipynb", [RUNAWAY, RUNAWAY, RUNAWAY, "%%sql\nSELECT 42 AS answer"])
    base, token, _ = lab
    with open_notebook(browser, base, token, "stop.ipynb") as page:
        kernel = kernel_process()
        cells = page.locator(".jp-NotebookPanel .jp-Cell")
        stop = page.locator('.jp-NotebookPanel-toolbar [data-command="notebook:interrupt-kernel"]')
        took = []
        for index in range(3):
            cell = cells.nth(index)
            cell.locator(".cm-content").click()
            expect(cell.locator(".cm-editor.cm-focused")).to_have_count(1)
            page.keyboard.press("Shift+Enter")
            # the query runs in DuckDB once its progress bar shows (after a second of running)
            expect(cell.locator(".hpdp-sql-progress")).to_be_visible(timeout=60_000)
            began = time.monotonic()
            stop.click()
            expect(cell.locator(".jp-OutputArea-output").last).to_contain_text("cancelled", timeout=60_000)
            expect(kernel_status(page)).to_have_attribute("data-status", "idle", timeout=60_000)
            took.append(time.monotonic() - began)
            assert wait_idle_cpu(kernel) < 20, "the kernel kept computing after its query was cancelled"
            assert "Traceback" not in cell.locator(".jp-OutputArea").inner_text()
        print("stop button to idle kernel: " + ", ".join(f"{t:.2f} s" for t in took))
        last = cells.nth(3)
        last.locator(".cm-content").click()
        expect(last.locator(".cm-editor.cm-focused")).to_have_count(1)
        page.keyboard.press("Shift+Enter")
        expect(last.locator(".hpdp-sql-result tbody td").first).to_have_text("42", timeout=60_000)
