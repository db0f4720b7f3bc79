"""The Redis queue on RQ: runs wait in Redis; `hpdp worker` processes on any machine execute them."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from hpdp.application.runs_ports import AbstractQueue, Executor
from hpdp.domain.errors import ConfigError, UnavailableError

log = logging.getLogger(__name__)
JOB_FUNCTION = "hpdp.adapters.queues.redis.perform_run"
JOB_TIMEOUT_S = 7 * 24 * 3600  # runs carry their own timeout; RQ's default of 180 s would cut long runs
# The executor of the worker running this job (set by `serving`), so jobs use its warm kernels.
_EXECUTOR: ContextVar[Executor | None] = ContextVar("hpdp_executor", default=None)


def connect(url: str) -> Any:
    from redis import Redis

    return Redis.from_url(url)


class RedisQueue(AbstractQueue):
    name = "redis"
    remote = True

    def __init__(self, url: str | None, queue_name: str = "hpdp") -> None:
        if not url:
            raise ConfigError("HPDP_QUEUE=redis needs HPDP_REDIS_URL (for example redis://127.0.0.1:6379/0).")
        self.url = url
        self.queue_name = queue_name
        self._queue: Any = None

    @property
    def queue(self) -> Any:
        if self._queue is None:
            from rq import Queue

            self._queue = Queue(self.queue_name, connection=connect(self.url))
        return self._queue

    def submit(self, run_id: str) -> None:
        from redis.exceptions import RedisError

        try:
            self.queue.enqueue(
                JOB_FUNCTION,
                run_id,
                job_id=f"hpdp-{run_id}",
                job_timeout=JOB_TIMEOUT_S,
                result_ttl=24 * 3600,
                failure_ttl=7 * 24 * 3600,
            )
        except RedisError as exc:
            raise UnavailableError(
                f"The Redis queue at {self.url} is not reachable ({exc}); start Redis or fix HPDP_REDIS_URL.",
                code="queue_unavailable",
            ) from None

    def serve(self, executor: Executor, *, burst: bool = False, name: str | None = None) -> None:
        work(self.url, self.queue_name, executor, burst=burst, name=name)

    def describe(self) -> str:
        return f"{self.queue_name} at {self.url}"

    def pending(self) -> int:
        return int(self.queue.count)

    def close(self) -> None:
        if self._queue is not None:
            self._queue.connection.close()


@contextmanager
def serving(executor: Executor) -> Iterator[None]:
    token = _EXECUTOR.set(executor)
    try:
        yield
    finally:
        _EXECUTOR.reset(token)


def perform_run(run_id: str) -> None:
    """The RQ job: execute the recorded run with this worker's executor."""
    executor = _EXECUTOR.get()
    if executor is not None:
        executor(run_id)
        return
    raise ConfigError(
        f"Run {run_id} reached a plain RQ worker.", hint="start an hpdp worker to execute hpdp runs.", code="rq_worker"
    )


def work(url: str, queue_name: str, executor: Executor, *, burst: bool = False, name: str | None = None) -> None:
    """Run an RQ worker in this process (jobs execute in this process, so the kernel pool stays warm)."""
    from rq import SimpleWorker

    worker = SimpleWorker([queue_name], connection=connect(url), name=name)
    with serving(executor):
        worker.work(burst=burst, logging_level="WARNING", with_scheduler=False)
