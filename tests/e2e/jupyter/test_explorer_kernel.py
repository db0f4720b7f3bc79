"""Big %%sql results in a real kernel: the explorer's pages, sorting and downloads, and the progress bar,
driven through widget messages as JupyterLab sends them."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import polars as pl
import pytest

from tests.e2e.jupyter.kernel import Kernel, jupyter_env
from tests.e2e.jupyter.widgets import Models, table_rows

QUERY = "SELECT range AS i, (range * 7919) % 1000003 AS k, 'row ' || range AS s FROM range(1000000)"
WIDGET = "application/vnd.jupyter.widget-view+json"


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("explorer")


@pytest.fixture(scope="module")
def kernel(base: Path) -> Iterator[Kernel]:
    k = Kernel(jupyter_env(base / "ws", base / "jupyter"), base)
    try:
        yield k
    finally:
        k.close()


@pytest.fixture
def models(kernel: Kernel) -> Models:
    models = Models(kernel)
    reply = models.feed(kernel.run(f"%%sql\n{QUERY}"))
    assert reply.status == "ok", reply.text()
    return models


def raw(sql: str) -> list[list[str]]:
    return [[str(v) for v in row] for row in duckdb.sql(sql).fetchall()]


def shown(models: Models) -> list[list[str]]:
    return table_rows(models.state[models.find("HTMLModel", css="hpdp-sql-result")]["value"])


def test_a_million_rows_show_an_explorer_with_the_count_and_the_first_page(kernel: Kernel) -> None:
    models = Models(kernel)
    reply = models.feed(kernel.run(f"%%sql\n{QUERY}"))
    [output] = [o for o in reply.outputs if o["type"] == "display_data"]
    assert WIDGET in output["data"]
    static = output["data"]["text/html"]  # what the notebook shows when read without a kernel
    assert "1,000,000 rows \u00d7 3 columns, first 10 shown" in static and len(table_rows(static)) == 10
    assert "1,000,000 rows" in models.state[models.find("HTMLModel", css="hpdp-sql-summary")]["value"]
    assert shown(models) == raw(f"{QUERY} LIMIT 10")
    assert models.state[models.find("HTMLModel", css="hpdp-sql-position")]["value"] == "rows 1–10"
    sent = json.dumps(reply.outputs) + json.dumps(reply.events)
    assert len(sent) < 60_000  # a page went to the browser, not the result
    # `_` is the result, read into Python only when used
    printed = kernel.run("print(repr(_))\nprint(len(_))\nprint(_['i'].sum())\nprint(repr(_))").text()
    lazy = [line for line in printed.splitlines() if line]  # stdout may come in several messages
    assert "not read yet" in lazy[0] and lazy[1] == "1000000"
    assert lazy[2] == str(sum(range(1_000_000))) and lazy[3].endswith("read>")


def test_next_pages_through_the_result(models: Models) -> None:
    next_ = models.find("ButtonModel", description="Next ›")
    assert models.state[models.find("ButtonModel", description="‹ Previous")]["disabled"] is True
    models.click(next_)
    models.click(next_)
    assert shown(models) == raw(f"{QUERY} LIMIT 10 OFFSET 20")
    assert models.state[models.find("HTMLModel", css="hpdp-sql-position")]["value"] == "rows 21–30"
    models.click(models.find("ButtonModel", description="‹ Previous"))
    assert shown(models) == raw(f"{QUERY} LIMIT 10 OFFSET 10")


def test_sorting_runs_in_duckdb_and_pages_follow_it(kernel: Kernel, models: Models) -> None:
    sort = models.find("DropdownModel", description="Sort by")
    assert models.state[sort]["_options_labels"] == ["no order", "i", "k", "s"]
    models.set(sort, index=2)
    assert shown(models) == raw(f"{QUERY} ORDER BY k LIMIT 10")
    models.set(models.find("ToggleButtonModel", description="descending"), value=True)
    assert shown(models) == raw(f"{QUERY} ORDER BY k DESC LIMIT 10")
    models.click(models.find("ButtonModel", description="Next ›"))
    assert shown(models) == raw(f"{QUERY} ORDER BY k DESC LIMIT 10 OFFSET 10")
    assert "not read yet" in kernel.run("print(repr(_))").text()  # Python never held the result to sort it


def test_download_writes_the_whole_result_as_parquet_next_to_the_notebook(models: Models, base: Path) -> None:
    before = set(base.glob("result-*.parquet"))
    models.click(models.find("ButtonModel", description="Parquet"))
    message = models.state[models.find("HTMLModel", css="hpdp-sql-message")]["value"]
    [name] = re.findall(r'href="([^"]+\.parquet)"', message)
    [path] = set(base.glob("result-*.parquet")) - before
    assert path.name == name
    assert pl.read_parquet(path).equals(duckdb.sql(QUERY).pl())
    models.click(models.find("ButtonModel", description="Parquet"))  # a second download: a new file
    assert len(set(base.glob("result-*.parquet")) - before) == 2


def test_with_the_explorer_off_a_cell_shows_todays_table(kernel: Kernel) -> None:
    kernel.run("%config SqlMagic.explorer = False")
    try:
        reply = kernel.run(f"%%sql\n{QUERY}")
        assert reply.status == "ok" and not reply.events
        [output] = [o for o in reply.outputs if o["type"] == "display_data"]
        assert WIDGET not in output["data"] and len(table_rows(output["data"]["text/html"])) == 10
        assert kernel.run("print(type(_).__name__, _.height)").text().strip() == "DataFrame 1000000"
    finally:
        kernel.run("%config SqlMagic.explorer = True")


def test_a_small_result_stays_a_table_and_a_frame(kernel: Kernel) -> None:
    reply = kernel.run("%%sql\nSELECT range AS n FROM range(10)")
    assert not reply.events and len(table_rows(reply.html())) == 10
    assert kernel.run("print(type(_).__name__, _.height)").text().strip() == "DataFrame 10"


def test_a_long_query_shows_its_progress_and_the_bar_goes_at_the_end(kernel: Kernel) -> None:
    made = kernel.run("%%sql\nCREATE OR REPLACE TABLE events AS SELECT 'x' || range AS s FROM range(5000000)")
    assert made.status == "ok", made.text()
    kernel.run("%config SqlMagic.progress_after = 0")
    try:
        models = Models(kernel)
        reply = models.feed(kernel.run("%%sql\nSELECT count(DISTINCT s) AS n FROM events"))
    finally:
        kernel.run("%config SqlMagic.progress_after = 1")
    assert reply.status == "ok" and "<td>5000000</td>" in reply.html()
    bar = models.find("IntProgressModel", css="hpdp-sql-progress")
    values = [
        e["data"]["state"]["value"]
        for e in reply.events
        if e["type"] == "comm_msg" and e["comm_id"] == bar and "value" in e["data"]["state"]
    ]
    assert values and all(0 < v <= 100 for v in values)
    assert bar in models.closed
    [removed] = [e for e in reply.events if e["type"] == "update_display_data"]
    assert removed["data"] == {"text/plain": ""}
