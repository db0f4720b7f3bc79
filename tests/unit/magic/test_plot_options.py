"""Plot settings as typed in a magic line: parsed, checked, one sentence per mistake."""

from __future__ import annotations

import pytest

from hpdp.application.attach import Attachment
from hpdp.application.plots import PlotError, PlotSpec
from hpdp.domain.errors import InvalidInputError
from hpdp.presentation.magic.glance import sparkline
from hpdp.presentation.magic.magic import split_options
from hpdp.presentation.magic.plotting import parse_words


@pytest.mark.parametrize(
    ("line", "options", "sql"),
    [
        ("--plot histogram x=a bins=5 SELECT 1", "--plot histogram,x=a,bins=5", "SELECT 1"),
        ("--plot=bar x=c -o p SELECT x=1", "--plot bar,x=c -o p", "SELECT x=1"),
        ("--tables", "--tables", ""),
        ("--attach a.db AS x --write", "--attach a.db", "AS x --write"),
    ],
)
def test_plot_settings_join_the_plot_option(line: str, options: str, sql: str) -> None:
    assert split_options(line) == (options, sql)


def test_words_become_a_spec() -> None:
    spec = parse_words("scatter", ["x=a", "y=b", "by=c", "points=10", "bins=7"])
    assert spec == PlotSpec("scatter", x="a", y="b", by="c", points=10, bins=7)


@pytest.mark.parametrize(
    ("kind", "words", "sentence"),
    [
        ("pie", [], "Unknown plot kind 'pie'; use one of: histogram, bar, line, scatter, box, heatmap."),
        ("bar", ["colour=red"], "Unknown plot setting 'colour'"),
        ("bar", ["x"], "'x' is not a plot setting"),
        ("histogram", ["bins=0"], "bins= needs a whole number from 1 to 500, not '0'."),
        ("bar", ["agg=median"], "Unknown aggregate 'median'; use one of: count, sum, avg, min, max."),
    ],
)
def test_bad_words_are_one_sentence(kind: str, words: list[str], sentence: str) -> None:
    with pytest.raises(PlotError) as caught:
        parse_words(kind, words)
    assert str(caught.value).startswith(sentence)


@pytest.mark.parametrize(
    ("url", "kind", "target"),
    [
        ("postgresql://u:p@h:5432/db", "postgres", "postgresql://u:p@h:5432/db"),
        ("sqlite:///shop.db", "sqlite", "shop.db"),
        ("sqlite:////data/shop.db", "sqlite", "/data/shop.db"),
        ("duckdb:////data/x.duckdb", "duckdb", "/data/x.duckdb"),
        ("notes.duckdb", "duckdb", "notes.duckdb"),
        ("c:/data/app.sqlite3", "sqlite", "c:/data/app.sqlite3"),
    ],
)
def test_the_url_picks_the_kind(url: str, kind: str, target: str) -> None:
    attachment = Attachment.parse(url, "ext")
    assert (attachment.kind, attachment.target, attachment.write) == (kind, target, False)


def test_attachment_names_and_passwords() -> None:
    assert Attachment.parse("postgresql://u:secret@h/db", "crm").shown() == "postgresql://u:***@h/db"
    for name in ("memory", "1x", "a-b"):
        with pytest.raises(InvalidInputError):
            Attachment.parse("x.duckdb", name)


def test_sparkline() -> None:
    assert sparkline([0, 1, 4, 8]) == " ▁▄█"
    assert sparkline([]) == ""
