"""`hpdp lab` in a real browser: open a notebook on the hpdp kernel, run a %%sql cell, see the table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.jupyter.lab import kernel_status, open_notebook, type_into, write_notebook


@pytest.mark.slow
def test_a_sql_cell_runs_in_jupyterlab_on_the_hpdp_kernel(lab: tuple[str, str, Path], browser: Any) -> None:
    from playwright.sync_api import expect

    base, token, log = lab
    with open_notebook(browser, base, token, "query.ipynb") as page:
        expect(page.locator(".jp-NotebookPanel-toolbar")).to_contain_text("hpdp")
        cell = page.locator(".jp-NotebookPanel .jp-Cell").first
        type_into(page, cell, "%%sql\nSELECT range AS n, 42 AS answer FROM range(3)")
        page.keyboard.press("Shift+Enter")
        table = page.locator(".jp-OutputArea-output .hpdp-sql-result table")
        expect(table).to_be_visible(timeout=60_000)
        expect(table.locator("th").first).to_contain_text("n")
        expect(table.locator("tbody tr")).to_have_count(3)
        expect(table.locator("tbody td").nth(1)).to_have_text("42")
        caption = page.locator(".jp-OutputArea-output .hpdp-sql-result small").last
        expect(caption).to_contain_text("3 rows")
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


@pytest.mark.slow
def test_sql_cells_are_highlighted_as_sql_and_tab_completes_tables(
    lab: tuple[str, str, Path], browser: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    cells = [
        "%%sql\nCREATE TABLE flights AS SELECT 2013 AS year, 'UA' AS carrier;\nCREATE TABLE fleet AS SELECT 1 AS n",
        "select = 1\ndef first():\n    return select",
        "r = %sql --arrow SELECT year FROM flights",
        "",
    ]
    write_notebook(tmp_path / "notebooks" / "sql.ipynb", cells)
    base, token, _ = lab
    with open_notebook(browser, base, token, "sql.ipynb") as page:

        def style(index: int, word: str) -> str | None:
            return page.evaluate(STYLE_OF, [index, word])

        keyword = page.wait_for_function(STYLE_OF, arg=[1, "def"], timeout=30_000).json_value()
        assert style(1, "select") != keyword  # a Python cell stays Python: `select` is a plain name
        # the body of a %%sql cell and the SQL after %sql on a line take the SQL keyword style
        page.wait_for_function(f"a => ({STYLE_OF})(a) === {json.dumps(keyword)}", arg=[0, "SELECT"])
        assert style(0, "CREATE") == style(0, "TABLE") == keyword
        page.wait_for_function(f"a => ({STYLE_OF})(a) === {json.dumps(keyword)}", arg=[2, "FROM"])
        assert style(2, "arrow") != keyword  # the magic's options are not SQL

        first = page.locator(".jp-NotebookPanel .jp-Cell").first
        first.locator(".cm-content").click()
        expect(first.locator(".cm-editor.cm-focused")).to_have_count(1)
        page.keyboard.press("Shift+Enter")
        expect(first.locator(".jp-OutputArea-output").first).to_contain_text("CREATE", timeout=60_000)

        expect(kernel_status(page)).to_have_attribute("data-status", "idle", timeout=60_000)
        type_into(page, page.locator(".jp-NotebookPanel .jp-Cell").last, "%%sql\nSELECT * FROM fl")
        page.keyboard.press("Tab")
        completer = page.locator(".jp-Completer")
        expect(completer).to_be_visible(timeout=30_000)
        expect(completer.locator(".jp-Completer-item")).to_have_count(2)
        expect(completer).to_contain_text("flights")
        expect(completer).to_contain_text("fleet")
