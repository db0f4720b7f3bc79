"""The local queue: a thread pool in this process (default; no server)."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait

from hpdp.application.runs_ports import AbstractQueue, Executor
from hpdp.domain.errors import UnsupportedError

log = logging.getLogger(__name__)


class ThreadQueue(AbstractQueue):
    name = "thread"

    def __init__(self, workers: int = 2) -> None:
        self.workers = workers
        self._executor: Executor | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._futures: dict[str, Future[None]] = {}
        self._lock = threading.Lock()

    def bind(self, executor: Executor) -> None:
        self._executor = executor

    def submit(self, run_id: str) -> None:
        if self._executor is None:
            raise UnsupportedError(
                "The thread queue has no executor; bind the run service to it before submitting runs.",
                code="queue_unbound",
            )
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="hpdp-run")
            self._futures[run_id] = self._pool.submit(self._run, run_id)

    def _run(self, run_id: str) -> None:
        assert self._executor is not None
        try:
            self._executor(run_id)
        except Exception:  # one broken run never stops the others
            log.exception("run %s failed outside the notebook", run_id)

    def wait(self, run_ids: list[str], timeout_s: float | None = None) -> None:
        with self._lock:
            futures = [self._futures[r] for r in run_ids if r in self._futures]
        wait(futures, timeout=timeout_s)

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)
