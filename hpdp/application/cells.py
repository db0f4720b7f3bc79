"""The SQL cell use case: a notebook cell of SQL statements run on the store, its last result handed back."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from hpdp.application.sql_completion import SqlNames
from hpdp.domain.errors import QueryCancelledError, QueryError

CELL_FORMATS = ("polars", "pandas", "arrow", "relation")


@dataclass
class Step:
    """One statement of a cell as it ran: what it was, how long it took, how many rows."""

    sql: str
    kind: str
    seconds: float
    rows: int | None = None


@dataclass
class CellResult:
    value: Any  # a frame, a pyarrow.Table, a lazy relation, the plan text, or None
    kind: str  # the last statement's type (SELECT, CREATE, ...)
    elapsed: float
    steps: list[Step] = field(default_factory=list)


class AbstractCellRunner(ABC):
    """Runs SQL cells on one store, in a session of its own that lasts as long as the notebook."""

    def run(
        self,
        sql: str,
        namespace: Mapping[str, Any],
        *,
        format: str = "polars",
        as_of: int | None = None,
        save: str | None = None,
        explain: bool = False,
    ) -> CellResult:
        """`$name` binds the variable `name` of the namespace; frames in it are queried by name."""
        if format not in CELL_FORMATS:
            raise QueryError(f"Unknown result type {format!r}; use one of: {', '.join(CELL_FORMATS)}.")
        if format == "relation" and as_of is not None:
            raise QueryError("A lazy relation cannot read an earlier snapshot; ask for a frame instead.")
        return self._run(sql, namespace, format, as_of, save, explain)

    @abstractmethod
    def _run(
        self, sql: str, namespace: Mapping[str, Any], format: str, as_of: int | None, save: str | None, explain: bool
    ) -> CellResult: ...

    def names(self, namespace: Mapping[str, Any]) -> SqlNames:
        """What a cell can name now: relations (the namespace's frames too) with their columns, and the
        engine's words; for completion. Runners that cannot tell name nothing."""
        return SqlNames()

    def close(self) -> None:  # noqa: B027 - runners without a session have nothing to end
        """End the runner's session (saved views and registered frames go with it)."""

    def interrupt(self) -> None:  # noqa: B027 - runners that cannot stop a query let it finish
        """From another thread: stop the running statement; the cell then fails as cancelled."""


class CellService:
    """What notebook interfaces call: one cell runner, built on first use, closed with the workbench.

    A cell runs on a worker thread while the caller's thread waits, so that a keyboard interrupt (a kernel's
    stop button) reaches the caller at once and stops the query in the engine; the cell then fails as
    cancelled, and the session stays usable.
    """

    def __init__(self, open_runner: Callable[[], AbstractCellRunner]) -> None:
        self._open_runner = open_runner
        self._runner: AbstractCellRunner | None = None
        self._worker: ThreadPoolExecutor | None = None

    @property
    def runner(self) -> AbstractCellRunner:
        if self._runner is None:
            self._runner = self._open_runner()
        return self._runner

    def run(
        self,
        sql: str,
        namespace: Mapping[str, Any],
        *,
        format: str = "polars",
        as_of: int | None = None,
        save: str | None = None,
        explain: bool = False,
    ) -> CellResult:
        runner = self.runner
        if self._worker is None:
            self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hpdp-cell")
        job = self._worker.submit(runner.run, sql, namespace, format=format, as_of=as_of, save=save, explain=explain)
        try:
            return _wait(job)
        except KeyboardInterrupt:
            runner.interrupt()
            with suppress(QueryCancelledError):
                job.result()  # the statement stops; a result that came first is dropped
            raise QueryCancelledError("The query was cancelled.", code="query_interrupted") from None

    def names(self, namespace: Mapping[str, Any]) -> SqlNames:
        """Tables, views (saved ones included), the namespace's frames and their columns; for completion."""
        return self.runner.names(namespace)

    def close(self) -> None:
        if self._runner is not None:
            self._runner.close()
        self._runner = None
        if self._worker is not None:
            self._worker.shutdown(wait=False)
            self._worker = None


def _wait(job: Future[CellResult]) -> CellResult:
    """The job's result; the wait wakes up often, so a keyboard interrupt is raised here without delay."""
    while True:
        try:
            return job.result(timeout=0.2)
        except FutureTimeout:
            continue
