"""The SQL cell use case: a notebook cell of SQL statements run on the store, its last result handed back."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any, TypeVar

from hpdp.application.attach import Attachment
from hpdp.application.plots import PlotSpec
from hpdp.domain.errors import QueryCancelledError, QueryError, UnsupportedError

T = TypeVar("T")
CELL_FORMATS = ("polars", "pandas", "arrow", "relation")
GLANCES = ("tables", "columns", "describe")


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
        plot: PlotSpec | None = None,
    ) -> CellResult:
        """`$name` binds the variable `name` of the namespace; frames in it are queried by name. With `plot`,
        the value is the PlotSummary of the last query, computed by the engine."""
        if format not in CELL_FORMATS:
            raise QueryError(f"Unknown result type {format!r}; use one of: {', '.join(CELL_FORMATS)}.")
        if format == "relation" and as_of is not None and plot is None:
            raise QueryError("A lazy relation cannot read an earlier snapshot; ask for a frame instead.")
        if plot is not None and explain:
            raise QueryError("A cell either plots its query or explains it; pick one.")
        return self._run(sql, namespace, format, as_of, save, explain, plot)

    @abstractmethod
    def _run(
        self,
        sql: str,
        namespace: Mapping[str, Any],
        format: str,
        as_of: int | None,
        save: str | None,
        explain: bool,
        plot: PlotSpec | None = None,
    ) -> CellResult: ...

    def plot_table(self, table: str, spec: PlotSpec, *, as_of: int | None = None) -> CellResult:
        """The plot summary of a table or view (a saved query, an attached database's table)."""
        return self._run(f"SELECT * FROM {self.relation(table)}", {}, "polars", as_of, None, False, spec)

    def glance(self, what: str, table: str | None = None, *, format: str = "polars") -> Any:
        """The schema at a glance: `tables` (every table and view), `columns` of a table, or `describe`
        (a per-column profile with a small histogram each)."""
        if what not in GLANCES:
            raise QueryError(f"Unknown schema view {what!r}; use one of: {', '.join(GLANCES)}.")
        if (table is None) != (what == "tables"):
            raise QueryError(f"--{what} {'takes no' if what == 'tables' else 'needs a'} table name.")
        return self._glance(what, table, format)

    def attach(self, attachment: Attachment) -> str:
        """Attach another database to this session under its name; a sentence saying what was attached."""
        return self._attach(attachment)

    def relation(self, name: str) -> str:
        """A table or view name as the engine reads it (qualified names keep their parts)."""
        raise UnsupportedError(f"This engine cannot read {name!r} by name.")

    def _glance(self, what: str, table: str | None, format: str) -> Any:
        raise UnsupportedError("This engine cannot describe its tables.")

    def _attach(self, attachment: Attachment) -> str:
        raise UnsupportedError("This engine cannot attach other databases.")

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
        plot: PlotSpec | None = None,
    ) -> CellResult:
        return self.call(
            lambda r: r.run(sql, namespace, format=format, as_of=as_of, save=save, explain=explain, plot=plot)
        )

    def plot_table(self, table: str, spec: PlotSpec, *, as_of: int | None = None) -> CellResult:
        return self.call(lambda r: r.plot_table(table, spec, as_of=as_of))

    def glance(self, what: str, table: str | None = None, *, format: str = "polars") -> Any:
        return self.call(lambda r: r.glance(what, table, format=format))

    def attach(self, attachment: Attachment) -> str:
        return self.call(lambda r: r.attach(attachment))

    def call(self, action: Callable[[AbstractCellRunner], T]) -> T:
        """Run `action` on the runner on the worker thread; a keyboard interrupt stops it in the engine."""
        runner = self.runner
        if self._worker is None:
            self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hpdp-cell")
        job = self._worker.submit(action, runner)
        try:
            return _wait(job)
        except KeyboardInterrupt:
            runner.interrupt()
            with suppress(QueryCancelledError):
                job.result()  # the statement stops; a result that came first is dropped
            raise QueryCancelledError("The query was cancelled.", code="query_interrupted") from None

    def close(self) -> None:
        if self._runner is not None:
            self._runner.close()
        self._runner = None
        if self._worker is not None:
            self._worker.shutdown(wait=False)
            self._worker = None


def _wait(job: Future[T]) -> T:
    """The job's result; the wait wakes up often, so a keyboard interrupt is raised here without delay."""
    while True:
        try:
            return job.result(timeout=0.2)
        except FutureTimeout:
            continue
