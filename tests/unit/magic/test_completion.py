"""Tab completion of SQL in %sql and %%sql: what is offered where, with names from a fake catalogue."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from IPython.core.completer import CompletionContext

from hpdp.application.sql_completion import Relation, SqlNames, suggest
from hpdp.domain.errors import StoreUnavailableError
from hpdp.presentation.magic.completion import SqlCompleter
from hpdp.presentation.magic.magic import _FLAGS, _VALUED, split_options

NAMES = SqlNames(
    relations={
        "flights": Relation("table", ("year", "dep_delay", "carrier", "origin")),
        "airports": Relation("table", ("faa", "name")),
        "late": Relation("view", ("carrier", "n")),
        "scores": Relation("frame", ("id", "score")),
    },
    keywords=("from", "full", "select", "where"),
    functions=("date_diff", "first", "floor"),
)


def texts(sql: str, word: str, cursor: int | None = None) -> list[str]:
    return [s.text for s in suggest(sql, len(sql) if cursor is None else cursor, word, NAMES)]


def test_after_from_only_relations_are_offered() -> None:
    assert texts("SELECT * FROM fl", "fl") == ["flights"]
    assert texts("SELECT * FROM flights JOIN a", "a") == ["airports"]


def test_after_a_table_and_a_dot_its_columns_are_offered() -> None:
    assert texts("SELECT flights.", "flights.") == [f"flights.{c}" for c in NAMES.relations["flights"].columns]
    assert texts("SELECT flights.ca", "flights.ca") == ["flights.carrier"]
    assert texts("SELECT Flights.or", "Flights.or") == ["Flights.origin"]


def test_an_alias_stands_for_its_table() -> None:
    sql = "SELECT f.de FROM flights AS f JOIN airports a ON a.faa = f.origin"
    assert texts(sql, "f.de", cursor=len("SELECT f.de")) == ["f.dep_delay"]
    assert texts(sql + " WHERE a.n", "a.n") == ["a.name"]
    assert texts("SELECT nope.", "nope.") == []


def test_inside_a_query_the_columns_of_its_tables_come_first() -> None:
    sql = "SELECT ca FROM flights"
    assert texts(sql, "ca", cursor=len("SELECT ca")) == ["carrier"]
    found = texts("SELECT f FROM flights", "f", cursor=len("SELECT f"))
    assert found[:2] == ["flights", "from"]  # no column of flights starts with f; then relations, keywords
    assert found[-2:] == ["first", "floor"]


def test_keywords_follow_the_case_typed() -> None:
    assert "SELECT" in texts("SEL", "SEL") and "select" in texts("sel", "sel")


def test_frames_and_saved_views_are_relations() -> None:
    assert texts("SELECT * FROM s", "s") == ["scores"]
    assert texts("SELECT * FROM l", "l") == ["late"]
    assert texts("SELECT sc FROM scores", "sc", cursor=len("SELECT sc")) == ["score", "scores"]


@dataclass
class FakeShell:
    user_ns: dict[str, Any] = field(default_factory=dict)
    execution_count: int = 1


def complete(completer: SqlCompleter, text: str, token: str) -> tuple[list[str], bool]:
    lines = text.split("\n")
    context = CompletionContext(token, text, len(lines[-1]), len(lines) - 1, None)
    result = completer.complete(context)
    return [c.text for c in result["completions"]], bool(result.get("suppress"))


@pytest.fixture
def shell() -> FakeShell:
    return FakeShell({"low": 2, "lower": 3, "_hidden": 1})


@pytest.fixture
def calls() -> list[int]:
    return []


@pytest.fixture
def completer(shell: FakeShell, calls: list[int]) -> SqlCompleter:
    def names(namespace: dict[str, Any]) -> SqlNames:
        calls.append(1)
        return NAMES

    return SqlCompleter(shell, names, sorted(_FLAGS | _VALUED), split_options)


def test_a_sql_cell_completes_its_body_and_hides_python_names(completer: SqlCompleter) -> None:
    assert complete(completer, "%%sql\nSELECT * FROM fl", "fl") == (["flights"], True)
    assert complete(completer, "\n%%sql --save x\nSELECT flights.ye", "flights.ye") == (["flights.year"], True)


def test_the_magic_line_offers_the_options_not_given_yet(completer: SqlCompleter) -> None:
    found, _ = complete(completer, "%%sql --pandas --", "--")
    assert "--save" in found and "--as-of" in found and "--pandas" not in found
    assert complete(completer, "r = %sql --ar", "--ar") == (["--arrow"], True)


def test_a_line_magic_completes_the_sql_after_its_options(completer: SqlCompleter) -> None:
    assert complete(completer, "r = %sql --arrow SELECT * FROM a", "a") == (["airports"], True)
    assert complete(completer, "df = %sql SELECT ca FROM flights WHERE x", "x")[1] is True


def test_after_a_dollar_the_notebook_variables_are_offered(completer: SqlCompleter) -> None:
    assert complete(completer, "%%sql\nSELECT * FROM flights WHERE year > $lo", "lo") == (["low", "lower"], True)


def test_python_code_is_left_to_python(completer: SqlCompleter) -> None:
    assert complete(completer, "import fl", "fl") == ([], False)
    assert complete(completer, "x = 1 # %sql SELECT * FROM fl", "fl") == ([], False)
    assert complete(completer, "%sql --save", "--save") == ([], False)  # the option still needs its value


def test_names_are_fetched_once_per_executed_cell(completer: SqlCompleter, shell: FakeShell, calls: list[int]) -> None:
    for _ in range(3):
        complete(completer, "%%sql\nSELECT * FROM fl", "fl")
    assert len(calls) == 1
    shell.execution_count += 1
    complete(completer, "%%sql\nSELECT * FROM fl", "fl")
    assert len(calls) == 2


def test_a_store_that_cannot_open_offers_nothing(shell: FakeShell) -> None:
    def closed(namespace: dict[str, Any]) -> SqlNames:
        raise StoreUnavailableError("The store is locked.")

    completer = SqlCompleter(shell, closed, ["--save"], split_options)
    assert complete(completer, "%%sql\nSELECT * FROM fl", "fl") == ([], True)
