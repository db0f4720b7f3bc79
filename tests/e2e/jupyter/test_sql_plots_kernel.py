"""Plots, the schema at a glance and attached databases in a real hpdp kernel, as a notebook user sees them."""

from __future__ import annotations

import base64
import socket
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.jupyter.kernel import Kernel, Reply, jupyter_env

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("plots")


@pytest.fixture(scope="module")
def kernel(base: Path) -> Iterator[Kernel]:
    k = Kernel(jupyter_env(base / "ws", base / "jupyter"), base)
    try:
        setup = k.run(
            "%%sql\nCREATE TABLE nums AS SELECT range AS i, (range % 17) * 1.5 AS v, chr(65 + (range % 3)::INT) AS c,"
            " DATE '2024-01-01' + (range % 30)::INT AS d FROM range(1000)"
        )
        assert setup.status == "ok", setup.text()
        yield k
    finally:
        k.close()


def plot_output(reply: Reply) -> dict[str, str]:
    assert reply.status == "ok", reply.text()
    [data] = [o["data"] for o in reply.outputs if "data" in o and "image/png" in o["data"]]
    assert base64.b64decode(data["image/png"]).startswith(PNG)
    return data


def one_sentence(reply: Reply) -> str:
    assert reply.status == "error"
    usage = [o["text"] for o in reply.outputs if o["type"] == "stream" and o["text"].startswith("UsageError: ")]
    shown = "\n".join(usage or [t for o in reply.outputs if o["type"] == "error" for t in o["traceback"]])
    shown = shown.strip()
    assert "Traceback" not in shown and ".py" not in shown and shown.count("\n") == 0, shown
    return shown


def test_a_plot_cell_keeps_an_interactive_view_and_a_static_png(kernel: Kernel) -> None:
    data = plot_output(kernel.run("%%sql --plot histogram x=v bins=5\nSELECT * FROM nums WHERE i < 500"))
    assert "application/vnd.holoviews_exec.v0+json" in data and "text/html" in data
    assert data["text/plain"].startswith("histogram x=v: 500 rows, 5 bins")


def test_the_line_magic_returns_the_plot_and_its_summary_from_the_engine(kernel: Kernel) -> None:
    reply = kernel.run(
        "p = %sql --plot histogram x=i bins=4 SELECT * FROM nums\n"
        "import holoviews as hv\n"
        "print(p.summary.column('count'), isinstance(p.plot, hv.core.Dimensioned))"
    )
    assert reply.text().strip() == "[250, 250, 250, 250] True"


@pytest.mark.parametrize(
    ("settings", "caption"),
    [
        ("histogram nums x=d by=c", "histogram x=d by=c: 1,000 rows, 30 bins"),
        ("bar nums x=c y=v agg=avg", "bar x=c y=v: 1,000 rows"),
        ("line nums x=d y=v", "line x=d y=v: 1,000 rows"),
        ("scatter nums x=i y=v points=100", "scatter x=i y=v: 1,000 rows, a sample of 100 of 1,000 rows"),
        ("box nums y=v by=c", "box y=v by=c: 1,000 rows"),
        ("heatmap nums x=i y=v bins=10", "heatmap x=i y=v: 1,000 rows, 10x10 bins"),
    ],
)
def test_sqlplot_draws_every_kind_from_a_table(kernel: Kernel, settings: str, caption: str) -> None:
    data = plot_output(kernel.run(f"%sqlplot {settings}"))
    assert data["text/plain"].startswith(caption), data["text/plain"]


def test_sqlplot_reads_a_saved_query(kernel: Kernel) -> None:
    assert kernel.run("%%sql --save late_rows\nSELECT * FROM nums WHERE i >= 900").status == "ok"
    data = plot_output(kernel.run("%sqlplot bar late_rows x=c"))
    assert data["text/plain"].startswith("bar x=c y=count: 100 rows")


@pytest.mark.parametrize(
    ("cell", "sentence"),
    [
        ("%sqlplot pie nums", "Unknown plot kind 'pie'; use one of: histogram, bar, line, scatter, box, heatmap."),
        ("%sqlplot histogram nums x=nope", "The data has no column 'nope' for x=; its columns are: i, v, c, d."),
        ("%sqlplot histogram nums x=c", "use bar (it counts rows per value)."),
        ("%sqlplot bar nums colour=red", "Unknown plot setting 'colour'; use: x=, y=, by=, bins=, agg=, points=."),
        ("%sqlplot histogram nums bins=lots", "bins= needs a whole number from 1 to 500, not 'lots'."),
        ("%%sql --plot donut\nSELECT 1 AS a", "Unknown plot kind 'donut'"),
        ("%sqlplot bar no_such_table", "no_such_table"),
    ],
)
def test_bad_plot_input_is_one_sentence_naming_what_is_accepted(kernel: Kernel, cell: str, sentence: str) -> None:
    assert sentence in one_sentence(kernel.run(cell))
    assert kernel.run("%%sql\nSELECT count(*) AS n FROM nums").status == "ok"


def test_tables_columns_and_describe(kernel: Kernel) -> None:
    kernel.run("%%sql --save few\nSELECT i FROM nums LIMIT 3")
    tables = kernel.run("%sql --tables")
    html = tables.html()
    assert tables.status == "ok" and "<td>nums</td>" in html and "<td>few</td>" in html and "saved query" in html
    columns = kernel.run("%sql --columns nums")
    assert "<td>v</td>" in columns.html() and "DECIMAL" in columns.html()
    profile = kernel.run("%sql --describe nums")
    text = profile.text()
    assert profile.status == "ok" and "nums: 1,000 rows × 4 columns" in text
    [i_row] = [line for line in text.splitlines() if line.startswith("i ")]
    assert "BIGINT" in i_row and "█" in i_row  # a small histogram per numeric column
    [c_row] = [line for line in text.splitlines() if line.startswith("c ")]
    assert "A, B, C" in c_row  # the most frequent values of a text column
    assert "no_such" in one_sentence(kernel.run("%sql --describe no_such"))


def test_attach_a_sqlite_and_a_duckdb_file_read_only_unless_write(kernel: Kernel, base: Path) -> None:
    shop = base / "shop.sqlite"
    with sqlite3.connect(shop) as con:
        con.execute("CREATE TABLE orders (id INTEGER, i INTEGER, amount REAL)")
        con.executemany("INSERT INTO orders VALUES (?, ?, ?)", [(1, 5, 9.5), (2, 7, 3.0)])
    reply = kernel.run(f"%sql --attach sqlite:///{shop} AS shop")
    assert reply.status == "ok" and f"Attached sqlite database {shop} as shop (read-only)." in reply.text()
    joined = kernel.run("%%sql\nSELECT o.id, n.v FROM shop.orders o JOIN nums n USING (i) ORDER BY o.id")
    assert joined.status == "ok" and "<td>7.5</td>" in joined.html() and "<td>10.5</td>" in joined.html()
    assert "read-only" in kernel.run("%%sql\nINSERT INTO shop.orders VALUES (3, 1, 1.0)").text().lower()
    assert "shop.main.orders" in kernel.run("%sql --tables").html()

    notes = base / "notes.duckdb"
    assert kernel.run(f"%sql --attach {notes} AS notes --write").status == "ok"
    wrote = kernel.run("%%sql\nCREATE TABLE notes.todo AS SELECT 1 AS id;\nSELECT count(*) AS n FROM notes.todo")
    assert wrote.status == "ok" and "<td>1</td>" in wrote.html()
    again = kernel.run(f"%sql --attach duckdb:///{notes} AS notes")  # the same name again: attached anew
    assert again.status == "ok" and "(read-only)" in again.text()

    missing = one_sentence(kernel.run(f"%sql --attach {base / 'nowhere.duckdb'} AS gone"))
    assert "No duckdb database file at" in missing
    assert "Cannot tell what database" in one_sentence(kernel.run("%sql --attach mysql://h/db AS m"))
    assert "Write --attach URL AS NAME" in one_sentence(kernel.run(f"%sql --attach {notes} notes"))


def test_attach_postgresql_and_join_it_with_the_store(kernel: Kernel, pg_url: str) -> None:
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute("CREATE TABLE labels (c text, label text)")
        con.execute("INSERT INTO labels VALUES ('A', 'alpha'), ('B', 'beta')")
    reply = kernel.run(f"%sql --attach {pg_url} AS crm")
    assert reply.status == "ok", reply.text()
    joined = kernel.run(
        "%%sql\nSELECT l.label, count(*) AS n FROM nums JOIN crm.public.labels l USING (c) GROUP BY ALL ORDER BY 1"
    )
    assert joined.status == "ok", joined.text()
    assert "<td>alpha</td>" in joined.html() and "<td>334</td>" in joined.html()


def test_a_postgresql_server_that_does_not_answer_is_one_sentence(kernel: Kernel) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once the socket is closed
    shown = one_sentence(kernel.run(f"%sql --attach postgresql://me:secret@127.0.0.1:{port}/db AS dead"))
    assert "did not answer" in shown and "secret" not in shown
    assert kernel.run("%%sql\nSELECT 1 AS one").status == "ok"
