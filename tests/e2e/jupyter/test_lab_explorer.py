"""The explorer of a big result in JupyterLab, in a real browser: the widget renders and pages on click."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.jupyter.lab import open_notebook, type_into

QUERY = "SELECT range AS i, 'row ' || range AS s FROM range(1000000)"


@pytest.mark.slow
def test_next_pages_a_million_row_result_in_jupyterlab(lab: tuple[str, str, Path], browser: Any) -> None:
    from playwright.sync_api import expect

    base, token, _ = lab
    with open_notebook(browser, base, token, "query.ipynb") as page:
        type_into(page, page.locator(".jp-NotebookPanel .jp-Cell").first, f"%%sql\n{QUERY}")
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
