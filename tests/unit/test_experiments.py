from __future__ import annotations

from pathlib import Path

import pytest

from hpdp.application.experiments import compare, load_spec, run_experiment
from hpdp.domain.runs import ExperimentError, ParameterError, RunStatus
from tests.notebook_factory import SMALL, write_notebook
from tests.unit.runs_fixtures import harness


@pytest.fixture
def spec_file(tmp_path: Path) -> Path:
    write_notebook(tmp_path / "nb.ipynb", SMALL[0] + 'fail = ""\n', SMALL[1])
    path = tmp_path / "exp" / "grid.yaml"
    path.parent.mkdir()
    path.write_text(
        "name: grid\nnotebook: ../nb.ipynb\ngrid:\n  x: [1, 2]\n  label: [a, b]\nparameters:\n  rate: 0.25\n"
        "repeats: 2\nmetric: wall_time_s\n"
    )
    return path


def test_a_spec_expands_its_grid_times_repeats_with_fixed_parameters(spec_file: Path) -> None:
    spec = load_spec(spec_file)
    assert spec.notebook == str(spec_file.parent.parent / "nb.ipynb")
    combos = spec.combinations()
    assert len(combos) == 8
    assert {(c["x"], c["label"]) for c in combos} == {(1, "a"), (1, "b"), (2, "a"), (2, "b")}
    assert all(c["rate"] == 0.25 for c in combos)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("name: x\nnotebook: nb.ipynb\ngrid:\n  x: 1\n", "non-empty list"),
        ("name: x\nnotebook: nb.ipynb\nrepeats: 0\n", "repeats must be a whole number"),
        ("name: x\nnotebook: nb.ipynb\nsweep: {}\n", "unknown keys"),
        ("notebook: nb.ipynb\n", "needs a text value for 'name'"),
        ("name: [unclosed\n", "not valid YAML"),
    ],
)
def test_a_malformed_spec_is_refused(tmp_path: Path, body: str, message: str) -> None:
    (tmp_path / "bad.yaml").write_text(body)
    with pytest.raises(ExperimentError, match=message):
        load_spec(tmp_path / "bad.yaml")


def test_an_experiment_runs_children_of_one_parent_and_ranks_them(tmp_path: Path, spec_file: Path) -> None:
    h = harness(tmp_path)
    spec = load_spec(spec_file)
    parent, records = run_experiment(h.service, spec)
    assert [r.status for r in records] == [RunStatus.FINISHED] * 8
    children = h.tracker.child_runs("grid", parent)
    assert len(children) == 8 and h.tracker.get_run(parent)["status"] == "FINISHED"
    assert h.tracker.get_run(parent)["metrics"] == {"runs": 8.0, "runs_failed": 0.0}
    for child in children:  # make the ranking deterministic
        child["metrics"]["wall_time_s"] = float(child["params"]["x"]) + (0.5 if child["params"]["label"] == "b" else 0)
    rows = compare(h.service, "grid", "wall_time_s")
    assert [(r["rank"], r["parameters"]["x"], r["parameters"]["label"], r["runs"]) for r in rows] == [
        (1, "1", "a", 2),
        (2, "1", "b", 2),
        (3, "2", "a", 2),
        (4, "2", "b", 2),
    ]
    assert compare(h.service, "grid", "wall_time_s", descending=True)[0]["mean"] == 2.5
    with pytest.raises(ExperimentError, match="has metric 'nope'"):
        compare(h.service, "grid", "nope")


def test_a_bad_grid_value_is_refused_before_anything_is_tracked(tmp_path: Path, spec_file: Path) -> None:
    spec_file.write_text(spec_file.read_text().replace("x: [1, 2]", "x: [1, many]"))
    h = harness(tmp_path)
    with pytest.raises(ParameterError):
        run_experiment(h.service, load_spec(spec_file))
    assert h.tracker.runs == {}


def test_comparing_an_unknown_experiment_says_how_to_start_it(tmp_path: Path) -> None:
    with pytest.raises(ExperimentError, match="has no runs yet"):
        compare(harness(tmp_path).service, "never")
