from __future__ import annotations

from pathlib import Path

import pytest

from hpdp.application.notebooks import check_parameters, declared_parameters, load_notebook
from hpdp.domain.runs import ParameterError, RunError
from tests.notebook_factory import SMALL, write_notebook


@pytest.fixture
def declared(tmp_path: Path) -> dict:
    nb = write_notebook(tmp_path / "nb.ipynb", SMALL[0] + "items: list = []\nlimit: int = None\n", SMALL[1])
    return declared_parameters(load_notebook(nb))


def test_the_parameters_cell_gives_names_types_and_defaults(declared: dict) -> None:
    assert {n: (p.type, p.default) for n, p in declared.items()} == {
        "x": (int, 1),
        "label": (str, "a"),
        "rate": (float, 0.5),
        "flag": (bool, False),
        "items": (list, []),
        "limit": (int, None),
    }


def test_values_from_the_command_line_become_the_declared_types(declared: dict) -> None:
    given = {"x": "7", "rate": "2", "flag": "true", "items": "[1, 2]", "label": "b"}
    assert check_parameters(declared, given, notebook="nb", from_text=True) == {
        "x": 7,
        "rate": 2.0,
        "flag": True,
        "items": [1, 2],
        "label": "b",
    }


def test_an_int_is_accepted_for_a_float(declared: dict) -> None:
    assert check_parameters(declared, {"rate": 3}, notebook="nb") == {"rate": 3.0}


def test_an_unknown_name_is_refused_with_the_known_ones(declared: dict) -> None:
    with pytest.raises(ParameterError, match="has no parameter 'xx'; its parameters are: flag, items"):
        check_parameters(declared, {"xx": 1}, notebook="nb")


@pytest.mark.parametrize(("name", "value"), [("x", "seven"), ("x", True), ("flag", "maybe"), ("label", 3)])
def test_a_wrong_type_is_refused(declared: dict, name: str, value: object) -> None:
    with pytest.raises(ParameterError, match=f"Parameter '{name}' of nb takes a"):
        check_parameters(declared, {name: value}, notebook="nb", from_text=isinstance(value, str))


def test_parameters_hpdp_injects_cannot_be_given(declared: dict) -> None:
    with pytest.raises(ParameterError, match="set by hpdp"):
        check_parameters(declared, {"hpdp_run_id": "x"}, notebook="nb")


def test_a_notebook_without_a_parameters_cell_takes_none(tmp_path: Path) -> None:
    path = tmp_path / "plain.ipynb"
    write_notebook(path, "x = 1")
    nb = load_notebook(path)
    nb["cells"][0]["metadata"]["tags"] = []
    with pytest.raises(ParameterError, match=r"plain takes no parameters \(no cell is tagged 'parameters'\); tag"):
        check_parameters(declared_parameters(nb), {"x": 2}, notebook="plain")


def test_a_missing_or_broken_notebook_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RunError, match="does not exist"):
        load_notebook(tmp_path / "nope.ipynb")
    (tmp_path / "bad.ipynb").write_text("{not json")
    with pytest.raises(RunError, match="not a notebook"):
        load_notebook(tmp_path / "bad.ipynb")
