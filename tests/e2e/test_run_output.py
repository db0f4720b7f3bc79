"""Notebooks as users write them, and what `hpdp run`, `worker`, `scheduler` and `experiment` print.

Standard error holds hpdp's own lines only: no kernel, MLflow, papermill or RQ log lines.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from hpdp.domain.runs import RunStatus
from tests.e2e.runs_cli import env_for, hpdp, redis_settings, runs, start, stop, wait_for

pytestmark = pytest.mark.slow


def bare_notebook(path: Path, *cells: str, parameters: str | None = None) -> Path:
    """As `nbformat.v4.new_notebook()` (and jupytext, and some editors) write it: no kernelspec, no language."""
    nb = nbformat.v4.new_notebook()
    if parameters is not None:
        nb.cells.append(nbformat.v4.new_code_cell(parameters, metadata={"tags": ["parameters"]}))
    nb.cells.extend(nbformat.v4.new_code_cell(c) for c in cells)
    assert "kernelspec" not in nb.metadata and "language_info" not in nb.metadata
    nbformat.write(nb, path)
    return path


def own_lines(stderr: str) -> list[str]:
    """Lines of standard error that are not hpdp's own (`Error: ...` or `hpdp: ...`)."""
    return [line for line in stderr.splitlines() if line.strip() and not line.startswith(("Error: ", "hpdp: "))]


@pytest.fixture
def plain(tmp_path: Path) -> Path:
    return bare_notebook(tmp_path / "plain.ipynb", "import hpdp\nhpdp.log_metric('answer', 42)\nprint('plain ran')")


def test_a_notebook_without_kernelspec_or_parameters_runs_tracked_and_quietly(workspace: Path, plain: Path) -> None:
    result = hpdp(env_for(workspace), "run", str(plain))  # a fresh workspace: MLflow creates its store
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    [record] = runs(workspace)
    assert record.status is RunStatus.FINISHED
    assert "plain ran" in Path(record.output_path).read_text()


def test_a_parameter_for_a_notebook_without_a_parameters_cell_says_to_tag_one(workspace: Path, plain: Path) -> None:
    result = hpdp(env_for(workspace, db_engine="memory"), "run", str(plain), "-p", "rows", "5")
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("Error: plain.ipynb takes no parameters") and "tag" in line and "'parameters'" in line
    assert runs(workspace) == []


def test_a_dying_kernel_is_reported_once_in_hpdp_s_words(workspace: Path, tmp_path: Path) -> None:
    nb = bare_notebook(tmp_path / "dies.ipynb", "import os\nos._exit(3)")
    result = hpdp(env_for(workspace, db_engine="memory"), "run", str(nb))
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("Error: Run ") and "the kernel died during the run" in line
    assert runs(workspace)[0].status is RunStatus.FAILED


def test_an_experiment_runs_bare_notebooks_quietly(workspace: Path, tmp_path: Path) -> None:
    bare_notebook(tmp_path / "grid.ipynb", "import hpdp\nhpdp.log_metric('score', n * 2)", parameters="n = 1\n")
    spec = tmp_path / "grid.yaml"
    spec.write_text("name: bare_grid\nnotebook: grid.ipynb\ngrid:\n  n: [1, 2]\nmetric: score\n")
    result = hpdp(env_for(workspace, db_engine="memory"), "experiment", "run", str(spec), timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 finished, 0 failed" in result.stdout
    assert result.stderr == ""


@pytest.fixture
def redis_env(workspace: Path) -> Iterator[dict[str, str]]:
    yield env_for(workspace, **redis_settings())


def test_a_scheduler_and_a_worker_run_a_bare_notebook_and_print_only_their_own_lines(
    workspace: Path, tmp_path: Path, redis_env: dict[str, str]
) -> None:
    nb = bare_notebook(tmp_path / "tick.ipynb", "print('tick')", parameters="label = 'x'\n")
    dies = bare_notebook(tmp_path / "dies.ipynb", "import os\nos._exit(3)")
    added = hpdp(redis_env, "schedule", "add", "tick", "--notebook", str(nb), "--cron", "* * * * * */2")
    assert added.returncode == 0 and added.stderr == "", added.stderr
    worker = start(redis_env, "worker", "--pool", "1", log=tmp_path / "worker.out", errors=tmp_path / "worker.err")
    scheduler = start(
        redis_env, "scheduler", "--poll", "0.3", log=tmp_path / "scheduler.out", errors=tmp_path / "scheduler.err"
    )
    try:
        wait_for(lambda: runs(workspace, schedule="tick", status=RunStatus.FINISHED), timeout=180)
        queued = hpdp(redis_env, "run", str(dies), "--queue")
        assert queued.returncode == 0 and queued.stderr == "", queued.stderr
        wait_for(
            lambda: [r for r in runs(workspace, status=RunStatus.FAILED) if r.request.notebook.endswith("dies.ipynb")]
        )
    finally:
        stop(scheduler)
        stop(worker)
    for name in ("worker", "scheduler"):
        stderr = (tmp_path / f"{name}.err").read_text()
        assert own_lines(stderr) == [], f"{name} printed: {stderr[-2000:]}"
