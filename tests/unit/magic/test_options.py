"""Parsing %sql lines and showing results: no store, no kernel."""

from __future__ import annotations

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from IPython.core.error import UsageError

from hpdp.presentation.magic.display import ResultView, TextView, preview
from hpdp.presentation.magic.magic import snapshot_number, split_options


@pytest.mark.parametrize(
    ("line", "options", "sql"),
    [
        ("SELECT 1", "", "SELECT 1"),
        ("--pandas -o df SELECT 'a b' AS s", "--pandas -o df", "SELECT 'a b' AS s"),
        ("--as-of=3 --save v SELECT $x", "--as-of=3 --save v", "SELECT $x"),
        ("-- a comment\nSELECT 1", "", "-- a comment\nSELECT 1"),
        ("--explain", "--explain", ""),
        ("  --unknown SELECT 1", "", "--unknown SELECT 1"),
    ],
)
def test_options_come_first_and_the_sql_stays_verbatim(line: str, options: str, sql: str) -> None:
    assert split_options(line) == (options, sql)


def test_an_option_without_its_value_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="--save needs a value"):
        split_options("--save")


def test_as_of_takes_a_number_or_a_variable() -> None:
    ns = {"snap": 4, "flag": True, "text": "3"}
    assert snapshot_number(None, ns) is None
    assert snapshot_number("7", ns) == 7
    assert snapshot_number("snap", ns) == 4
    assert snapshot_number("$snap", ns) == 4
    for bad in ("flag", "text", "missing"):
        with pytest.raises(UsageError, match="snapshot number"):
            snapshot_number(bad, ns)


@pytest.mark.parametrize(
    "frame",
    [
        pl.DataFrame({"a": range(50), "b": ["x"] * 50}),
        pd.DataFrame({"a": range(50), "b": ["x"] * 50}),
        pa.table({"a": list(range(50)), "b": ["x"] * 50}),
    ],
    ids=["polars", "pandas", "arrow"],
)
def test_a_preview_holds_only_the_first_rows(frame: object) -> None:
    p = preview(frame, 5)
    assert p.columns == ["a", "b"] and p.total == 50
    assert p.rows == [(i, "x") for i in range(5)]


def test_the_html_and_text_views_show_shape_types_and_time() -> None:
    view = ResultView(pl.DataFrame({"n": [1, None, 3], "s": ["<b>", "y", "z"]}), limit=2, elapsed=0.0123)
    html = view._repr_html_()
    assert html.count("<tr>") == 3  # header + 2 rows
    assert "&lt;b&gt;" in html and "<b>" not in html  # values are escaped
    assert "<i>NULL</i>" in html and "Int64" in html
    assert "3 rows \u00d7 2 columns, first 2 shown \u00b7 12.3 ms" in html
    text = repr(view)
    assert text.splitlines()[0].split() == ["n", "|", "s"] and "NULL" in text and "first 2 shown" in text


def test_a_statement_without_rows_says_what_ran() -> None:
    view = ResultView(None, limit=10, elapsed=1.5, kind="CREATE")
    assert repr(view) == "CREATE done in 1.50 s"
    assert "CREATE done" in view._repr_html_()
    assert "<pre>" in TextView("plan", "Query plan")._repr_html_()
