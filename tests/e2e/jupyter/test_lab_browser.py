"""`hpdp lab` in a real browser: open a notebook on the hpdp kernel, run a %%sql cell, see the table."""

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

from tests.e2e.browser import ARGS, need_chromium
from tests.e2e.jupyter.kernel import jupyter_env
from tests.e2e.jupyter.lab import free_port, wait_ready


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[tuple[str, str, Path]]:
    """`hpdp lab` on a free port, with a token and Jupyter folders of its own; stopped by PID."""
    root = tmp_path / "notebooks"
    root.mkdir()
    notebook = {
        "cells": [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": ""}],
        "metadata": {"kernelspec": {"name": "hpdp", "display_name": "hpdp", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (root / "query.ipynb").write_text(json.dumps(notebook))
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


@pytest.mark.slow
def test_a_sql_cell_runs_in_jupyterlab_on_the_hpdp_kernel(lab: tuple[str, str, Path]) -> None:
    chromium = need_chromium()
    from playwright.sync_api import expect, sync_playwright

    base, token, log = lab
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{base}/lab/tree/query.ipynb?reset&token={token}")
            # JupyterLab drops a cell run while the notebook's kernel is still starting (no output, no error):
            # wait until the kernel is connected and idle, as its status indicator shows.
            status = page.locator(".jp-NotebookPanel-toolbar .jp-Notebook-ExecutionIndicator")
            expect(status).to_have_attribute("data-status", "idle", timeout=90_000)
            expect(page.locator(".jp-NotebookPanel-toolbar")).to_contain_text("hpdp")
            editor = page.locator(".jp-NotebookPanel .jp-Cell .cm-content").first
            editor.click()
            # keys typed in command mode are notebook shortcuts: type only once the cell's editor has focus
            expect(page.locator(".jp-NotebookPanel .jp-Cell .cm-editor.cm-focused")).to_have_count(1)
            page.keyboard.type("%%sql\nSELECT range AS n, 42 AS answer FROM range(3)")
            expect(editor).to_contain_text("SELECT range AS n, 42 AS answer FROM range(3)")
            page.keyboard.press("Shift+Enter")
            table = page.locator(".jp-OutputArea-output .hpdp-sql-result table")
            expect(table).to_be_visible(timeout=60_000)
            expect(table.locator("th").first).to_contain_text("n")
            expect(table.locator("tbody tr")).to_have_count(3)
            expect(table.locator("tbody td").nth(1)).to_have_text("42")
            caption = page.locator(".jp-OutputArea-output .hpdp-sql-result small").last
            expect(caption).to_contain_text("3 rows")
        finally:
            browser.close()
    assert "without encryption" not in log.read_text()  # the hpdp kernel's channels are encrypted (CurveZMQ)


# The color and weight of the span holding `word` in cell `index` (null when CodeMirror left it unstyled).
STYLE_OF = """([index, word]) => {
  const cell = document.querySelectorAll('.jp-NotebookPanel .jp-Cell')[index];
  for (const span of cell ? cell.querySelectorAll('.cm-line span') : []) {
    if (span.textContent === word) {
      const style = getComputedStyle(span);
      return style.color + ' ' + style.fontWeight;
    }
  }
  return null;
}"""


def code_cell(source: str) -> dict[str, object]:
    return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source}


@pytest.mark.slow
def test_sql_cells_are_highlighted_as_sql_and_tab_completes_tables(lab: tuple[str, str, Path], tmp_path: Path) -> None:
    chromium = need_chromium()
    from playwright.sync_api import expect, sync_playwright

    cells = [
        "%%sql\nCREATE TABLE flights AS SELECT 2013 AS year, 'UA' AS carrier;\nCREATE TABLE fleet AS SELECT 1 AS n",
        "select = 1\ndef first():\n    return select",
        "r = %sql --arrow SELECT year FROM flights",
        "",
    ]
    notebook = {
        "cells": [code_cell(c) for c in cells],
        "metadata": {"kernelspec": {"name": "hpdp", "display_name": "hpdp", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (tmp_path / "notebooks" / "sql.ipynb").write_text(json.dumps(notebook))
    base, token, _ = lab
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{base}/lab/tree/sql.ipynb?reset&token={token}")
            status = page.locator(".jp-NotebookPanel-toolbar .jp-Notebook-ExecutionIndicator")
            expect(status).to_have_attribute("data-status", "idle", timeout=90_000)

            def style(index: int, word: str) -> str | None:
                return page.evaluate(STYLE_OF, [index, word])

            keyword = page.wait_for_function(STYLE_OF, arg=[1, "def"], timeout=30_000).json_value()
            assert style(1, "select") != keyword  # a Python cell stays Python: `select` is a plain name
            # the body of a %%sql cell and the SQL after %sql on a line take the SQL keyword style
            page.wait_for_function(f"a => ({STYLE_OF})(a) === {json.dumps(keyword)}", arg=[0, "SELECT"])
            assert style(0, "CREATE") == style(0, "TABLE") == keyword
            page.wait_for_function(f"a => ({STYLE_OF})(a) === {json.dumps(keyword)}", arg=[2, "FROM"])
            assert style(2, "arrow") != keyword  # the magic's options are not SQL

            first = page.locator(".jp-NotebookPanel .jp-Cell .cm-content").first
            first.click()
            expect(page.locator(".jp-NotebookPanel .jp-Cell .cm-editor.cm-focused")).to_have_count(1)
            page.keyboard.press("Shift+Enter")
            output = page.locator(".jp-NotebookPanel .jp-Cell").first.locator(".jp-OutputArea-output")
            expect(output.first).to_contain_text("CREATE", timeout=60_000)

            expect(status).to_have_attribute("data-status", "idle", timeout=60_000)
            last = page.locator(".jp-NotebookPanel .jp-Cell").last
            last.locator(".cm-content").click()
            expect(last.locator(".cm-editor.cm-focused")).to_have_count(1)
            page.keyboard.type("%%sql\nSELECT * FROM fl")
            expect(last.locator(".cm-content")).to_contain_text("SELECT * FROM fl")
            page.keyboard.press("Tab")
            completer = page.locator(".jp-Completer")
            expect(completer).to_be_visible(timeout=30_000)
            expect(completer.locator(".jp-Completer-item")).to_have_count(2)
            expect(completer).to_contain_text("flights")
            expect(completer).to_contain_text("fleet")
        finally:
            browser.close()
