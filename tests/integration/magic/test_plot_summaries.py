"""Plot summaries computed in DuckDB agree with numpy on small data: same edges, same counts, same quartiles."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest

from hpdp.adapters.plots import summarize
from hpdp.application.plots import PlotError, PlotSpec


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    rng = np.random.default_rng(3)
    values = np.concatenate([rng.normal(10, 3, 2000), np.arange(0, 100, 1.0), [7.0, 7.0, 7.0]])
    con.execute("CREATE TABLE t (v DOUBLE, k INTEGER, c VARCHAR)")
    con.executemany(
        "INSERT INTO t VALUES (?, ?, ?)",
        [(float(v), i % 50, "abc"[i % 3]) for i, v in enumerate(values)],
    )
    con.execute("INSERT INTO t VALUES (NULL, NULL, NULL)")
    return con


def column(con: duckdb.DuckDBPyConnection, name: str, where: str = "true") -> np.ndarray:
    rows = con.execute(f"SELECT {name} FROM t WHERE {name} IS NOT NULL AND {where}").fetchall()
    return np.array([r[0] for r in rows])


@pytest.mark.parametrize("bins", [1, 3, 7, 10, 30, 100])
@pytest.mark.parametrize("name", ["v", "k"])
def test_histogram_counts_and_edges_equal_numpy(con: duckdb.DuckDBPyConnection, name: str, bins: int) -> None:
    summary = summarize(con, "SELECT * FROM t", None, PlotSpec("histogram", x=name, bins=bins))
    counts, edges = np.histogram(column(con, name), bins=bins)
    assert summary.column("count") == counts.tolist()
    assert summary.column("lo") == edges[:-1].tolist() and summary.column("hi") == edges[1:].tolist()
    assert summary.total == counts.sum()


def test_a_constant_column_spreads_like_numpy(con: duckdb.DuckDBPyConnection) -> None:
    summary = summarize(con, "SELECT 4.0 AS x FROM range(5)", None, PlotSpec("histogram", bins=4))
    counts, edges = np.histogram(np.full(5, 4.0), bins=4)
    assert summary.column("count") == counts.tolist() and summary.column("lo") == edges[:-1].tolist()


def test_histogram_by_group_counts_each_group(con: duckdb.DuckDBPyConnection) -> None:
    summary = summarize(con, "SELECT * FROM t", None, PlotSpec("histogram", x="v", by="c", bins=8))
    _, edges = np.histogram(column(con, "v"), bins=8)
    for group in "abc":
        values = column(con, "v", f"c = '{group}'")
        counts, _ = np.histogram(values, bins=edges)
        got = [r[2] for r in summary.rows if r[3] == group]
        assert got == counts.tolist()


def test_box_quartiles_equal_numpy(con: duckdb.DuckDBPyConnection) -> None:
    summary = summarize(con, "SELECT * FROM t", None, PlotSpec("box", y="v"))
    values = column(con, "v")
    q1, median, q3 = np.percentile(values, [25, 50, 75])
    [row] = summary.rows
    assert row[2:5] == pytest.approx((q1, median, q3))
    iqr = q3 - q1
    inside = values[(values >= q1 - 1.5 * iqr) & (values <= q3 + 1.5 * iqr)]
    assert (row[1], row[5]) == (inside.min(), inside.max())
    assert row[7] == len(values) - len(inside) and row[6] == len(values)


def test_bar_aggregates_by_x(con: duckdb.DuckDBPyConnection) -> None:
    summary = summarize(con, "SELECT * FROM t", None, PlotSpec("bar", x="c", y="v", agg="avg"))
    got = dict(zip(summary.column("x"), summary.column("value"), strict=True))
    for group in "abc":
        assert got[group] == pytest.approx(column(con, "v", f"c = '{group}'").mean())


def test_scatter_samples_at_most_points_and_turns_into_bins_when_large(con: duckdb.DuckDBPyConnection) -> None:
    sampled = summarize(con, "SELECT * FROM t", None, PlotSpec("scatter", x="k", y="v", points=50))
    assert len(sampled.rows) == 50 and sampled.total == 2103 and "sample of 50" in sampled.note
    binned = summarize(con, "SELECT * FROM t", None, PlotSpec("scatter", x="k", y="v", bins=5, heatmap_above=1000))
    assert binned.spec.kind == "heatmap" and len(binned.rows) <= 25 and binned.total == 2103
    counts, _, _ = np.histogram2d(column(con, "k", "v IS NOT NULL"), column(con, "v"), bins=5)
    assert sorted(binned.column("count")) == sorted(int(n) for n in counts.ravel() if n)


def test_line_buckets_x_when_there_are_more_points_than_asked(con: duckdb.DuckDBPyConnection) -> None:
    exact = summarize(con, "SELECT * FROM t", None, PlotSpec("line", x="k", y="v"))
    assert exact.column("x") == list(range(50))
    bucketed = summarize(con, "SELECT * FROM t", None, PlotSpec("line", x="k", y="v", points=10))
    assert len(bucketed.rows) <= 11 and "10 buckets" in bucketed.note


def test_parameters_and_dates(con: duckdb.DuckDBPyConnection) -> None:
    query = "SELECT DATE '2024-01-01' + (k::INT) AS day, v FROM t WHERE k < $top"
    summary = summarize(con, query, {"top": 10}, PlotSpec("histogram", x="day", bins=10))
    expected = con.execute("SELECT count(*) FROM t WHERE k < 10").fetchone()[0]
    assert summary.family == {"x": "temporal"} and summary.total == expected
    day = 86_400
    assert summary.rows[0][0] == 1_704_067_200 and summary.rows[-1][1] == 1_704_067_200 + 9 * day


@pytest.mark.parametrize(
    ("spec", "sentence"),
    [
        (PlotSpec("histogram", x="c"), "A histogram needs a numeric or date column and 'c' is VARCHAR; use bar"),
        (PlotSpec("scatter", x="v", y="nope"), "The data has no column 'nope' for y=; its columns are: v, k, c."),
        (PlotSpec("bar", x="k", y="c", agg="avg"), "avg of 'c' needs a numeric column"),
    ],
)
def test_bad_columns_are_one_sentence(con: duckdb.DuckDBPyConnection, spec: PlotSpec, sentence: str) -> None:
    with pytest.raises(PlotError, match=sentence.replace("(", r"\(")):
        summarize(con, "SELECT * FROM t", None, spec)
