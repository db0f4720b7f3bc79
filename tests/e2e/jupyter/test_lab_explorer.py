"""The explorer of a big result in JupyterLab, in a real browser: the widget renders and pages on click."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import IN_CI
from tests.e2e.browser import ARGS, CHROMIUM
from tests.e2e.jupyter.test_lab_browser import lab  # noqa: F401 - `lab` is the fixture

QUERY = "SELECT range AS i, 'row ' || range AS s FROM range(1000000)"


@pytest.mark.slow
def test_next_pages_a_million_row_result_in_jupyterlab(lab: tuple[str, str, Path]) -> None:  # noqa: F811
    if not Path(CHROMIUM).exists():
        message = "Chromium is not installed: run the tests through `make test` (it installs it)."
        pytest.fail(message) if IN_CI else pytest.skip(message)
    from playwright.sync_api import expect, sync_playwright

    base, token, _ = lab
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{base}/lab/tree/query.ipynb?reset&token={token}")
            status = page.locator(".jp-NotebookPanel-toolbar .jp-Notebook-ExecutionIndicator")
            expect(status).to_have_attribute("data-status", "idle", timeout=90_000)
            editor = page.locator(".jp-NotebookPanel .jp-Cell .cm-content").first
            editor.click()
            expect(page.locator(".jp-NotebookPanel .jp-Cell .cm-editor.cm-focused")).to_have_count(1)
            page.keyboard.type(f"%%sql\n{QUERY}")
            expect(editor).to_contain_text(QUERY)
            page.keyboard.press("Shift+Enter")
            explorer = page.locator(".jp-OutputArea-output .hpdp-sql-explorer")
            expect(explorer).to_be_visible(timeout=60_000)
            expect(explorer.locator(".hpdp-sql-summary")).to_contain_text("1,000,000 rows")
            cells = explorer.locator(".hpdp-sql-result tbody tr td:first-child")
            expect(cells).to_have_count(10)
            expect(cells.first).to_have_text("0")
            following = explorer.get_by_role("button", name="Next ›")
            following.click()
            expect(cells.first).to_have_text("10")
            following.click()
            expect(cells.first).to_have_text("20")
            expect(cells.last).to_have_text("29")
            expect(explorer.locator(".hpdp-sql-position")).to_have_text("rows 21–30")
            # the static table is the fallback only: with the widget shown, it is not rendered too
            expect(page.locator(".jp-OutputArea-output > .hpdp-sql-result")).to_have_count(0)
        finally:
            browser.close()
