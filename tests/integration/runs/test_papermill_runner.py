"""The papermill runner and the warm-kernel engine with real kernels."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from hpdp.adapters.runners.papermill import PapermillRunner
from tests.notebook_factory import write_notebook

pytestmark = pytest.mark.slow

BODY = (
    "import os, time\nprint('pid', os.getpid())",
    "if mode == 'raise':\n    raise ValueError('broken on purpose')\n"
    "if mode == 'die':\n    os._exit(3)\n"
    "if mode == 'sleep':\n    time.sleep(60)\n"
    "blob = bytearray(megabytes * 2**20)",
    "print('done', x)",
)


@pytest.fixture
def nb(tmp_path: Path) -> Path:
    return write_notebook(tmp_path / "job.ipynb", 'x = 1\nmode = "ok"\nmegabytes = 0\n', *BODY)


@pytest.fixture
def runner() -> Iterator[PapermillRunner]:
    r = PapermillRunner(pool_size=1)
    yield r
    r.close()


def outputs(path: Path) -> str:
    nb = json.loads(path.read_text())
    return "".join("".join(o.get("text", "")) for c in nb["cells"] for o in c.get("outputs", []))


def test_a_run_injects_parameters_keeps_the_output_and_measures_the_kernel(
    runner: PapermillRunner, nb: Path, tmp_path: Path
) -> None:
    result = runner.execute(nb, tmp_path / "out" / "ok.ipynb", {"x": 42, "megabytes": 200})
    assert result.ok, result.reason
    assert "done 42" in outputs(Path(result.output_path))
    assert result.cells_executed == 5  # parameters, injected parameters and three cells
    assert result.peak_memory_mb > 200  # the 200 MB buffer lived in the kernel process
    assert result.cpu_s > 0 and result.wall_s > 0


def test_a_raising_cell_fails_the_run_with_its_error_and_partial_output(
    runner: PapermillRunner, nb: Path, tmp_path: Path
) -> None:
    result = runner.execute(nb, tmp_path / "raise.ipynb", {"mode": "raise"})
    assert not result.ok and result.reason == "ValueError: broken on purpose"
    assert result.failed_cell == 3 and result.cells_executed == 3
    assert "pid" in outputs(Path(result.output_path))


def test_a_dying_kernel_fails_the_run(runner: PapermillRunner, nb: Path, tmp_path: Path) -> None:
    result = runner.execute(nb, tmp_path / "die.ipynb", {"mode": "die"})
    assert not result.ok and result.reason.startswith("the kernel died during the run")
    assert result.failed_cell == 3
    assert Path(result.output_path).is_file()


def test_a_run_past_its_timeout_is_stopped(runner: PapermillRunner, nb: Path, tmp_path: Path) -> None:
    result = runner.execute(nb, tmp_path / "slow.ipynb", {"mode": "sleep"}, timeout_s=3)
    assert not result.ok and result.reason == "the run exceeded its timeout of 3 s and was stopped"
    assert result.wall_s < 30
    assert result.failed_cell == 3


def test_warm_kernels_are_fresh_for_every_run_and_the_pool_refills(nb: Path, tmp_path: Path) -> None:
    runner = PapermillRunner(pool_size=2)
    try:
        assert runner.pool.wait_ready(2, timeout=60)
        pids = []
        for i in range(3):
            result = runner.execute(nb, tmp_path / f"w{i}.ipynb", {"x": i})
            assert result.ok, result.reason
            pids.append(int(outputs(Path(result.output_path)).split("pid ")[1].split()[0]))
        assert len(set(pids)) == 3  # never reused
        assert runner.pool.wait_ready(2, timeout=60)
        assert runner.pool.started >= 5
    finally:
        runner.close()


def test_the_engine_is_registered_with_papermill(nb: Path, tmp_path: Path) -> None:
    import papermill as pm
    from papermill.engines import papermill_engines

    from hpdp.adapters.runners.warm_engine import WarmKernelEngine

    assert papermill_engines.get_engine("hpdp") is WarmKernelEngine
    pm.execute_notebook(
        str(nb),
        str(tmp_path / "pm.ipynb"),
        parameters={"x": 5},
        engine_name="hpdp",
        kernel_name="python3",
        progress_bar=False,
    )
    assert "done 5" in outputs(tmp_path / "pm.ipynb")


def test_a_notebook_in_another_language_or_none_runs_in_the_run_kernel(runner: PapermillRunner, tmp_path: Path) -> None:
    """Parameters are written in the run kernel's language, whatever the notebook's metadata says or lacks."""
    bare = write_notebook(tmp_path / "bare.ipynb", "x = 1\n", "print('bare', x)")
    nb = json.loads(bare.read_text())
    nb["metadata"] = {}
    bare.write_text(json.dumps(nb))
    result = runner.execute(bare, tmp_path / "bare-out.ipynb", {"x": 7})
    assert result.ok, result.reason
    assert "bare 7" in outputs(Path(result.output_path))
    nb["metadata"] = {"kernelspec": {"name": "ir", "display_name": "R", "language": "R"}}
    other = tmp_path / "r.ipynb"
    other.write_text(json.dumps(nb))
    result = runner.execute(other, tmp_path / "r-out.ipynb", {"x": True})  # R would write TRUE
    assert result.ok, result.reason
    assert "bare True" in outputs(Path(result.output_path))


def test_a_run_kernel_that_is_not_installed_fails_the_run_with_one_sentence(nb: Path, tmp_path: Path) -> None:
    runner = PapermillRunner(kernel_name="no-such-kernel")
    try:
        result = runner.execute(nb, tmp_path / "none.ipynb", {})
    finally:
        runner.close()
    assert not result.ok
    assert result.reason == (
        "The run kernel 'no-such-kernel' is not installed; install it or set HPDP_RUN_KERNEL to an installed one."
    )


@pytest.mark.skipif(os.name == "nt", reason="Windows has no IPC sockets: kernels use TCP there")
def test_local_kernels_talk_over_ipc_sockets_that_are_removed_after(tmp_path: Path) -> None:
    from jupyter_core.utils import run_sync

    from hpdp.adapters.runners.kernel_pool import start_kernel, stop_kernel

    km = start_kernel("python3", str(tmp_path))
    try:
        assert km.transport == "ipc"
        client = km.client()
        client.start_channels()
        try:
            run_sync(client.wait_for_ready)(timeout=60)
            sockets = [Path(f"{km.ip}-{port}") for port in km.ports]
            assert all(s.exists() for s in sockets)
            reply = run_sync(client.execute_interactive)("print(6 * 7)", timeout=60)
            assert reply["content"]["status"] == "ok"
        finally:
            client.stop_channels()
    finally:
        stop_kernel(km)
    assert not any(s.exists() for s in sockets) and not Path(km.connection_file).exists()
