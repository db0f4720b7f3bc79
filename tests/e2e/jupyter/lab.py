"""JupyterLab in tests: `hpdp lab` on a free port of 127.0.0.1, and Chromium on one of its notebooks."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(url: str, proc: subprocess.Popen[Any], log: Path, timeout: float = 90) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            pytest.fail(f"hpdp lab exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"JupyterLab did not answer within {timeout} s:\n{log.read_text()[-3000:]}")


def write_notebook(path: Path, cells: list[str]) -> None:
    """A notebook of code cells on the hpdp kernel."""
    notebook = {
        "cells": [
            {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source}
            for source in cells
        ],
        "metadata": {"kernelspec": {"name": "hpdp", "display_name": "hpdp", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.write_text(json.dumps(notebook))


def kernel_status(page: Any) -> Any:
    """The notebook's kernel status indicator (its `data-status` is idle or busy)."""
    return page.locator(".jp-NotebookPanel-toolbar .jp-Notebook-ExecutionIndicator")


def kernel_ready(page: Any) -> Any:
    """The status bar's kernel item once it reads "Idle": only when the kernel is started, connected and idle."""
    return page.locator("#jp-main-statusbar .jp-StatusBar-TextItem", has_text=re.compile(r"\| Idle$"))


@contextmanager
def open_notebook(browser: Any, base: str, token: str, name: str) -> Iterator[Any]:
    """A page of the session's `browser` on notebook `name` of `hpdp lab`, once its kernel is connected and idle.

    JupyterLab drops a cell run while the notebook's kernel is still starting (no output, no error), so the
    page is handed over only when the status bar shows the kernel idle. The toolbar's indicator will not do:
    it reads "idle" from the start, before any kernel exists."""
    from playwright.sync_api import expect

    page = browser.new_page()
    try:
        page.goto(f"{base}/lab/tree/{name}?reset&token={token}")
        expect(kernel_ready(page)).to_have_count(1, timeout=90_000)
        yield page
    finally:
        page.close()


def type_into(page: Any, cell: Any, text: str) -> None:
    """Type `text` into a cell's editor; keys typed in command mode would be notebook shortcuts, so the
    typing starts only once the editor has focus, and ends when the editor shows the last line."""
    from playwright.sync_api import expect

    cell.locator(".cm-content").click()
    expect(cell.locator(".cm-editor.cm-focused")).to_have_count(1)
    page.keyboard.type(text)
    expect(cell.locator(".cm-content")).to_contain_text(text.splitlines()[-1])
