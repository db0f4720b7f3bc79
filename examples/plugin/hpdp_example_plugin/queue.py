"""A queue: every run executes at once, inside the process that submits it, one after another.

Group `hpdp.queues`; the entry point names a factory called with `RunOptions`. Useful to debug a run
step by step; select it with `HPDP_QUEUE=inline`.
"""

from __future__ import annotations

from hpdp.application.runs_ports import AbstractQueue, Executor, RunOptions
from hpdp.domain.errors import UnsupportedError


class InlineQueue(AbstractQueue):
    name = "inline"

    def __init__(self) -> None:
        self._executor: Executor | None = None

    def bind(self, executor: Executor) -> None:
        self._executor = executor

    def submit(self, run_id: str) -> None:
        if self._executor is None:
            raise UnsupportedError("The inline queue has no executor; bind the run service to it first.")
        self._executor(run_id)


def inline_queue(options: RunOptions) -> AbstractQueue:
    return InlineQueue()
