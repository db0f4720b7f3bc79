"""A papermill engine (`-e hpdp`) that runs each notebook in a fresh kernel taken from a pool of warm kernels.

Without a pool (plain `papermill -e hpdp`) it starts one kernel per run, like papermill's default engine,
and reports the kernel to an optional monitor before it is shut down (CPU time, peak memory).
"""

from __future__ import annotations

from typing import Any

from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine
from papermill.log import logger
from papermill.utils import merge_kwargs, remove_args

from hpdp.adapters.runners.kernel_pool import start_kernel, stop_kernel


class WarmKernelEngine(NBClientEngine):
    @classmethod
    def execute_managed_notebook(
        cls,
        nb_man: Any,
        kernel_name: str,
        log_output: bool = False,
        stdout_file: Any = None,
        stderr_file: Any = None,
        start_timeout: int = 60,
        execution_timeout: int | None = None,
        kernel_pool: Any = None,
        kernel_monitor: Any = None,
        **kwargs: Any,
    ) -> Any:
        km = (
            kernel_pool.take()
            if kernel_pool is not None
            else start_kernel(kernel_name, kwargs.get("cwd"), start_timeout)
        )
        if kernel_monitor is not None:
            kernel_monitor.started(km)
        client = None
        try:
            safe_kwargs = remove_args(["input_path", "timeout", "startup_timeout", "cwd"], **kwargs)
            final_kwargs = merge_kwargs(
                safe_kwargs,
                timeout=execution_timeout if execution_timeout else kwargs.get("timeout"),
                startup_timeout=start_timeout,
                kernel_name=kernel_name,
                log=logger,
                log_output=log_output,
                stdout_file=stdout_file,
                stderr_file=stderr_file,
            )
            client = PapermillNotebookClient(nb_man, km=km, **final_kwargs)
            return client.execute()
        finally:
            if client is not None and client.kc is not None:
                client.kc.stop_channels()
            if kernel_monitor is not None:
                kernel_monitor.finished(km)
            try:
                stop_kernel(km)  # a used kernel is never reused
            except Exception:  # already stopped (timeout watchdog, dead kernel)
                logger.debug("kernel already stopped")
