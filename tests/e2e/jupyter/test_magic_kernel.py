"""The %sql magic in a real hpdp kernel: what a notebook user sees, cell by cell."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.jupyter.kernel import Kernel, jupyter_env


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("kernel")


@pytest.fixture(scope="module")
def kernel(base: Path) -> Iterator[Kernel]:
    k = Kernel(jupyter_env(base / "ws", base / "jupyter"), base)
    try:
        people = "SELECT * FROM (VALUES (1, 'ann'), (2, 'bob'), (3, 'cy')) t(id, name)"
        setup = k.run(f"%%sql\nCREATE TABLE people AS {people}")
        assert setup.status == "ok", setup.text()
        yield k
    finally:
        k.close()


def body_rows(html: str) -> int:
    return html.split("<tbody>", 1)[1].count("<tr>")


def test_a_sql_cell_shows_a_table_and_returns_the_frame_as_underscore(kernel: Kernel) -> None:
    reply = kernel.run("%%sql\nSELECT id, name FROM people ORDER BY id")
    assert reply.status == "ok"
    html = reply.html()
    assert "<table>" in html and ">name<" in html and "<td>bob</td>" in html
    assert "3 rows \u00d7 2 columns" in html
    check = kernel.run("print(type(_).__module__.split('.')[0], _.shape, _['name'].to_list())")
    assert check.text().strip() == "polars (3, 2) ['ann', 'bob', 'cy']"


def test_the_line_magic_returns_the_result(kernel: Kernel) -> None:
    reply = kernel.run("r = %sql --arrow SELECT count(*) AS n FROM people\nprint(type(r).__name__, r.to_pylist())")
    assert reply.text().strip() == "Table [{'n': 3}]"


def test_a_sql_error_is_one_short_message_and_the_next_cell_works(kernel: Kernel) -> None:
    reply = kernel.run("%%sql\nSELECT name\nFROM people\nWHERE id = = 1")
    assert reply.status == "error"
    [error] = [o for o in reply.outputs if o["type"] == "error"]
    shown = "\n".join(error["traceback"])
    assert shown.count("\n") <= 3, shown
    assert "SQL syntax error" in shown and "LINE 3: WHERE id = = 1" in shown and "^" in shown
    assert "Traceback" not in shown and ".py" not in shown
    after = kernel.run("%%sql\nSELECT count(*) AS n FROM people")
    assert after.status == "ok" and "<td>3</td>" in after.html()


def test_dollar_parameters_bind_python_variables(kernel: Kernel) -> None:
    kernel.run("who = \"x' OR '1'='1\"\nlow = 2")
    hostile = kernel.run("%%sql\nSELECT count(*) AS n FROM people WHERE name = $who")
    assert "<td>0</td>" in hostile.html()
    bound = kernel.run("%%sql -o names\nSELECT name FROM people WHERE id >= $low ORDER BY id")
    assert bound.status == "ok"
    assert kernel.run("print(names['name'].to_list())").text().strip() == "['bob', 'cy']"
    missing = kernel.run("%%sql\nSELECT * FROM people WHERE id = $nobody")
    assert missing.status == "error" and "no Python variable 'nobody'" in missing.text()


def test_frames_in_the_notebook_are_tables(kernel: Kernel) -> None:
    kernel.run("import pandas as pd\nscores = pd.DataFrame({'id': [1, 3], 'score': [9.5, 7.0]})")
    reply = kernel.run("%%sql --pandas\nSELECT p.name, s.score FROM people p JOIN scores s USING (id) ORDER BY id")
    assert reply.status == "ok" and "<td>cy</td>" in reply.html()
    assert kernel.run("print(type(_).__name__, len(_))").text().strip() == "DataFrame 2"


def test_a_saved_query_feeds_later_ddl(kernel: Kernel) -> None:
    saved = kernel.run("%%sql --save early\nSELECT id, upper(name) AS name FROM people WHERE id < 3")
    assert saved.status == "ok"
    ddl = kernel.run("%%sql\nCREATE TABLE early_copy AS SELECT * FROM early;\nSELECT name FROM early_copy ORDER BY id")
    assert ddl.status == "ok", ddl.text()
    assert "<td>ANN</td>" in ddl.html() and "<td>BOB</td>" in ddl.html()


def test_a_million_rows_come_back_whole_but_only_a_few_reach_the_browser(kernel: Kernel) -> None:
    reply = kernel.run("%%sql -o big\nSELECT range AS i, range * 2 AS j, 'row ' || range AS s FROM range(1000000)")
    assert reply.status == "ok"
    html = reply.html()
    assert body_rows(html) == 10 and "1,000,000 rows \u00d7 3 columns, first 10 shown" in html
    assert len(html) < 5_000
    assert kernel.run("print(big.height, big['i'].sum())").text().strip() == f"1000000 {sum(range(1000000))}"
    kernel.run("%config SqlMagic.display_rows = 3")
    assert body_rows(kernel.run("%%sql\nSELECT * FROM range(100)").html()) == 3
    kernel.run("%config SqlMagic.display_rows = 10")


def test_explain_and_profile(kernel: Kernel) -> None:
    plan = kernel.run("%%sql --explain\nSELECT name FROM people WHERE id > 1")
    assert plan.status == "ok" and "Query plan" in plan.text() and "FILTER" in plan.text().upper()
    profile = kernel.run("%%sql --profile\nSELECT 1 AS a; SELECT * FROM people")
    text = profile.text()
    assert re.search(r"2\. SELECT\s+3 rows", text), text
    assert "total" in text


def test_as_of_reads_an_earlier_snapshot(kernel: Kernel) -> None:
    kernel.run("%%sql\nCREATE TABLE visits AS SELECT 1 AS id")
    snapshot = kernel.run("import hpdp\nprint(hpdp.open().current_snapshot())").text().strip()
    kernel.run("%%sql\nINSERT INTO visits VALUES (2), (3)")
    old = kernel.run("%%sql\nSELECT count(*) AS n FROM visits").html()
    assert "<td>3</td>" in old
    reply = kernel.run(f"%%sql --as-of {snapshot}\nSELECT count(*) AS n FROM visits")
    assert reply.status == "ok" and "<td>1</td>" in reply.html(), reply.text()


def test_the_line_magic_binds_parameters_and_the_default_type_is_configurable(kernel: Kernel) -> None:
    reply = kernel.run("low = 2\nn = %sql SELECT count(*) AS n FROM people WHERE id >= $low\nprint(n.item())")
    assert reply.text().strip() == "2"
    kernel.run("%config SqlMagic.output_format = 'pandas'")
    try:
        reply = kernel.run("r = %sql SELECT 1 AS one\nprint(type(r).__module__.split('.')[0])")
        assert reply.text().strip() == "pandas"
    finally:
        kernel.run("%config SqlMagic.output_format = None")
    bad = kernel.run("%config SqlMagic.display_rows = 0")
    assert "SqlMagic.display_rows must be at least 1." in bad.text()
    assert "Current: 10" in kernel.run("%config SqlMagic").text()


def test_the_cells_use_the_same_store_as_the_cli(kernel: Kernel, base: Path) -> None:
    kernel.run("%%sql\nCREATE TABLE shared AS SELECT range AS n FROM range(7)")
    env = jupyter_env(base / "ws", base / "jupyter")

    def hpdp_sql(query: str) -> str:
        run = subprocess.run(
            [sys.executable, "-m", "hpdp", "sql", query, "--format", "csv"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert run.returncode == 0, run.stderr
        return run.stdout

    assert hpdp_sql("SELECT sum(n) AS total FROM shared").split() == ["total", "21"]
    hpdp_sql("INSERT INTO shared VALUES (100)")  # the open notebook does not lock other writers out
    assert "<td>121</td>" in kernel.run("%%sql\nSELECT sum(n) AS total FROM shared").html()


def test_the_stop_button_cancels_a_running_query_and_the_kernel_goes_on(kernel: Kernel) -> None:
    for _ in range(3):
        reply, took = kernel.run_and_interrupt("%%sql\nSELECT count(*) FROM range(1_000_000_000_000)")
        assert reply.status == "error"
        shown = "\n".join(o.get("traceback", [""])[-1] for o in reply.outputs if o["type"] == "error")
        assert "cancelled" in shown and "Traceback" not in shown, shown
        after = kernel.run("%%sql\nSELECT count(*) AS n FROM people")
        assert after.status == "ok" and "<td>3</td>" in after.html()
    print(f"interrupt to idle: {took:.2f} s")


def test_an_interrupted_write_leaves_the_table_as_it_was(kernel: Kernel) -> None:
    reply, _ = kernel.run_and_interrupt(
        "%%sql\nINSERT INTO people SELECT range, 'x' FROM range(1_000_000_000_000) WHERE range % 7 = 100"
    )
    assert reply.status == "error"
    after = kernel.run("%%sql\nSELECT count(*) AS n FROM people")
    assert after.status == "ok" and "<td>3</td>" in after.html()


def test_tab_completes_tables_columns_options_and_frames(kernel: Kernel) -> None:
    setup = kernel.run("%%sql\nCREATE TABLE flights AS SELECT 2013 AS year, 'UA' AS carrier, 15 AS dep_delay")
    assert setup.status == "ok", setup.text()
    assert kernel.complete("%%sql\nSELECT * FROM fl") == ["flights"]
    assert kernel.complete("%%sql\nSELECT flights. FROM flights", len("%%sql\nSELECT flights.")) == [
        "flights.year",
        "flights.carrier",
        "flights.dep_delay",
    ]
    assert kernel.complete("%%sql\nSELECT f.ca FROM flights f", len("%%sql\nSELECT f.ca")) == ["f.carrier"]
    options = kernel.complete("%%sql --")
    assert {"--save", "--as-of", "--pandas", "--explain"} <= set(options)
    assert kernel.complete("r = %sql --pa") == ["--pandas"]
    kernel.run("import polars as pl\ndelays = pl.DataFrame({'carrier': ['UA'], 'mean_delay': [4.2]})")
    assert kernel.complete("r = %sql SELECT * FROM del") == ["delays"]
    assert kernel.complete("%%sql\nSELECT mean FROM delays", len("%%sql\nSELECT mean")) == ["mean_delay"]
    kernel.run("%%sql --save ua\nSELECT * FROM flights WHERE carrier = 'UA'")
    assert "ua" in kernel.complete("%%sql\nSELECT * FROM u")  # a saved view, from the next cell on
    assert "flights" not in kernel.complete("import fl")  # Python stays Python
