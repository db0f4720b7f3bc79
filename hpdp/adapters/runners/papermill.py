"""The runner port on papermill: parameters injected, output kept (also on failure), kernel measured."""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

from hpdp.adapters.runners.kernel_pool import KernelPool, kernel_language, kernel_pid, own_event_loop
from hpdp.application.runs_ports import AbstractRunner
from hpdp.domain.errors import HpdpError, first_line
from hpdp.domain.runs import Execution

ERROR_CELL_TAG = "papermill-error-cell-tag"


class KernelMonitor:
    """CPU time and peak memory of one kernel process (psutil), and a watchdog for the run's timeout."""

    SAMPLE_S = 0.2

    def __init__(self, timeout_s: float | None) -> None:
        self.timeout_s = timeout_s
        self.cpu_s = 0.0
        self.peak_mb = 0.0
        self.timed_out = False
        self._cpu0 = 0.0
        self._t0 = 0.0
        self.started_at: float | None = None  # perf_counter when the kernel was ready
        self._process: Any = None
        self._done = threading.Event()

    def started(self, km: Any) -> None:
        import psutil

        pid = kernel_pid(km)
        if pid is not None:
            self._process = psutil.Process(pid)
            self._cpu0 = self._cpu()
        self._t0 = time.monotonic()
        self.started_at = time.perf_counter()
        threading.Thread(target=self._watch, daemon=True, name="hpdp-kernel-monitor").start()

    def _watch(self) -> None:
        """Sample while the kernel runs (it may die before the end); stop it when the run's time is up."""
        while not self._done.wait(self.SAMPLE_S):
            self._sample()
            if self.timeout_s and time.monotonic() - self._t0 > self.timeout_s:
                self.timed_out = True
                if self._process is not None:  # the running cell then ends with a dead kernel
                    self._process.kill()
                return

    def _cpu(self) -> float:
        times = self._process.cpu_times()
        return float(times.user + times.system)

    def _sample(self) -> None:
        if self._process is None:
            return
        try:
            self.cpu_s = max(self.cpu_s, self._cpu() - self._cpu0)
            self.peak_mb = max(self.peak_mb, _peak_rss_mb(self._process))
        except Exception:  # the kernel is already gone: keep the last sample
            pass

    def finished(self, km: Any) -> None:
        self._done.set()
        self._sample()


def _peak_rss_mb(process: Any) -> float:
    status = Path(f"/proc/{process.pid}/status")
    if status.is_file():  # Linux keeps the high-water mark
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float(process.memory_info().rss) / 2**20


class _InjectedParameters(logging.Filter):
    """papermill warns about parameters a notebook does not declare; hpdp's own are expected."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.getMessage().startswith("Passed unknown parameter: hpdp_run_"))


class PapermillRunner(AbstractRunner):
    name = "papermill"

    def __init__(
        self, kernel_name: str = "python3", pool_size: int = 0, cwd: str | None = None, refill: bool = True
    ) -> None:
        self.kernel_name = kernel_name
        self._language: str | None = None
        papermill_log = logging.getLogger("papermill")
        if not any(isinstance(f, _InjectedParameters) for f in papermill_log.filters):
            papermill_log.addFilter(_InjectedParameters())
        self.pool = KernelPool(kernel_name, pool_size, cwd=cwd or os.getcwd(), refill=refill)
        if pool_size > 0:
            self.pool.start()

    def _execute(self, notebook: Path, output: Path, parameters: dict[str, Any], timeout_s: float | None) -> Execution:
        from hpdp.adapters.runners.papermill_import import import_papermill

        pm = import_papermill()
        from papermill.exceptions import PapermillExecutionError

        with own_event_loop():
            return self._run(pm, PapermillExecutionError, notebook, output, parameters, timeout_s)

    def _run(
        self,
        pm: Any,
        execution_error: type[Exception],
        notebook: Path,
        output: Path,
        parameters: dict[str, Any],
        timeout_s: float | None,
    ) -> Execution:
        monitor = KernelMonitor(timeout_s)
        start = time.perf_counter()
        reason = None
        try:
            if self._language is None:
                self._language = kernel_language(self.kernel_name)
            pm.execute_notebook(
                str(notebook),
                str(output),
                parameters=parameters,
                kernel_name=self.kernel_name,
                language=self._language,  # the run kernel's, whatever the notebook's metadata says (or lacks)
                engine_name="hpdp",
                progress_bar=False,
                kernel_pool=self.pool,
                kernel_monitor=monitor,
            )
        except execution_error as exc:
            reason = f"{exc.ename}: {exc.evalue}"  # type: ignore[attr-defined]
        except HpdpError as exc:
            reason = str(exc)
        except Exception as exc:
            reason = f"{type(exc).__name__}: {first_line(exc)}" if str(exc).strip() else type(exc).__name__
        wall = time.perf_counter() - start
        cells, failed, cell_s = _cell_outcome(output, reason is not None or monitor.timed_out)
        kernel_s = (monitor.started_at - start) if monitor.started_at is not None else 0.0
        phases = {"kernel_start": kernel_s, "execution": max(wall - kernel_s, 0.0), **cell_s}
        if monitor.timed_out:
            reason = f"the run exceeded its timeout of {timeout_s:g} s and was stopped"
        elif reason and "DeadKernel" in reason:
            reason = f"the kernel died during the run ({reason})"
        return Execution(
            ok=reason is None,
            output_path=str(output),
            wall_s=wall,
            cpu_s=monitor.cpu_s,
            peak_memory_mb=monitor.peak_mb,
            cells_executed=cells,
            failed_cell=failed if reason else None,
            reason=reason,
            phases=phases,
        )

    def close(self) -> None:
        with own_event_loop():
            self.pool.close()


def _cell_outcome(output: Path, failed_run: bool) -> tuple[int, int | None, dict[str, float]]:
    """(code cells completed, index of the failing cell in the output notebook, seconds per code cell as
    `cell:N`, N counting code cells from 1) read from the output notebook.

    A cell that raised is flagged by papermill; if the kernel died or was stopped, the last cell started.
    """
    try:
        nb = json.loads(output.read_text())
    except (OSError, ValueError):
        return 0, None, {}
    cells = [c for c in nb.get("cells", []) if ERROR_CELL_TAG not in c.get("metadata", {}).get("tags", [])]
    meta = [c.get("metadata", {}).get("papermill", {}) for c in cells]
    failed = next((i for i, m in enumerate(meta) if m.get("exception")), None)
    if failed_run and failed is None:
        failed = max((i for i, m in enumerate(meta) if m.get("start_time")), default=None)
    done = sum(
        1
        for i, (c, m) in enumerate(zip(cells, meta, strict=True))
        if c.get("cell_type") == "code" and m.get("status") == "completed" and i != failed
    )
    code = [m for c, m in zip(cells, meta, strict=True) if c.get("cell_type") == "code"]
    seconds = {f"cell:{i}": float(m["duration"]) for i, m in enumerate(code, 1) if m.get("duration") is not None}
    return done, failed, seconds
