"""The SQL cell use case: a notebook cell of SQL statements run on the store, its last result handed back."""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from hpdp.application.attach import Attachment
from hpdp.application.plots import PlotSpec
from hpdp.application.recording import Recorder, result_rows, timed_query
from hpdp.application.sql_completion import SqlNames
from hpdp.domain.errors import InvalidInputError, NotFoundError, QueryCancelledError, QueryError, UnsupportedError

T = TypeVar("T")
CELL_FORMATS = ("polars", "pandas", "arrow", "relation")
GLANCES = ("tables", "columns", "describe")
EXPORT_FORMATS = ("parquet", "csv")
PROGRESS_AFTER = 1.0  # seconds a cell runs before its progress is reported
_TICK = 0.1


@dataclass
class Step:
    """One statement of a cell as it ran: what it was, how long it took, how many rows."""

    sql: str
    kind: str
    seconds: float
    rows: int | None = None


@dataclass(frozen=True)
class ResultPage:
    """Some rows of a kept result, as Python values, with the result's columns and DuckDB types."""

    columns: list[str]
    types: list[str]
    rows: list[tuple[Any, ...]]
    offset: int
    total: int


@dataclass(frozen=True)
class KeptResult:
    """A cell's last query, kept by the runner so that it can be paged, sorted and exported later.

    Pages re-run the query with LIMIT/OFFSET on the notebook's session: they show the data as it is then.
    """

    id: int
    first: ResultPage

    @property
    def total(self) -> int:
        return self.first.total


@dataclass
class CellResult:
    value: Any  # a frame, a pyarrow.Table, a lazy relation, the plan text, or None (a kept result, not read)
    kind: str  # the last statement's type (SELECT, CREATE, ...)
    elapsed: float
    steps: list[Step] = field(default_factory=list)
    kept: KeptResult | None = None  # set when the result has more rows than the cell shows


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
        keep_over: int | None = None,
        lazy: bool = False,
        plot: PlotSpec | None = None,
    ) -> CellResult:
        """`$name` binds the variable `name` of the namespace; frames in it are queried by name.

        With `keep_over`, a last SELECT with more rows than that is kept for paging (`CellResult.kept`);
        with `lazy` too, such a result is not read into Python at all (`value` is None), only counted.
        With `plot`, the value is the PlotSummary of the last query, computed by the engine.
        """
        if format not in CELL_FORMATS:
            raise QueryError(f"Unknown result type {format!r}; use one of: {', '.join(CELL_FORMATS)}.")
        if format == "relation" and as_of is not None and plot is None:
            raise QueryError("A lazy relation cannot read an earlier snapshot; ask for a frame instead.")
        if plot is not None and explain:
            raise QueryError("A cell either plots its query or explains it; pick one.")
        if keep_over is not None and (keep_over < 1 or format == "relation" or explain or plot is not None):
            keep_over = None  # a relation is lazy already; a plan has no rows; a plot is a summary
        lazy = lazy and keep_over is not None
        return self._run(sql, namespace, format, as_of, save, explain, keep_over, lazy, plot)

    @abstractmethod
    def _run(
        self,
        sql: str,
        namespace: Mapping[str, Any],
        format: str,
        as_of: int | None,
        save: str | None,
        explain: bool,
        keep_over: int | None,
        lazy: bool,
        plot: PlotSpec | None = None,
    ) -> CellResult: ...

    def plot_table(self, table: str, spec: PlotSpec, *, as_of: int | None = None) -> CellResult:
        """The plot summary of a table or view (a saved query, an attached database's table)."""
        return self._run(f"SELECT * FROM {self.relation(table)}", {}, "polars", as_of, None, False, None, False, spec)

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

    def page(
        self, result: int, offset: int, limit: int, order_by: str | None = None, descending: bool = False
    ) -> ResultPage:
        """Rows `offset` to `offset + limit` of a kept result, sorted by a column of it by the engine."""
        if offset < 0 or limit < 1:
            raise InvalidInputError("A page needs an offset of 0 or more and at least one row.")
        kept = self.kept(result)
        if order_by is not None and order_by not in kept.first.columns:
            raise InvalidInputError(
                f"The result has no column {order_by!r}; sort by one of: {', '.join(kept.first.columns)}."
            )
        return self._page(result, offset, limit, order_by, descending)

    def fetch(self, result: int, format: str = "polars") -> Any:
        """The whole kept result, read into Python as `format`."""
        if format not in CELL_FORMATS:
            raise QueryError(f"Unknown result type {format!r}; use one of: {', '.join(CELL_FORMATS)}.")
        self.kept(result)
        return self._fetch(result, format)

    def export(self, result: int, path: Path, format: str = "parquet") -> Path:
        """Write the whole kept result to a new file `path` by the engine (it never passes through Python)."""
        if format not in EXPORT_FORMATS:
            raise InvalidInputError(f"Cannot write a result as {format!r}; use one of: {', '.join(EXPORT_FORMATS)}.")
        self.kept(result)
        if path.exists():
            raise InvalidInputError(f"{path} exists already; pick a new file name.")
        self._export(result, path, format)
        return path

    def kept(self, result: int) -> KeptResult:
        found = self._kept_result(result)
        if found is None:
            raise NotFoundError(
                "That result is no longer kept (only the latest results of a notebook are); run its cell again.",
                code="result_not_kept",
            )
        return found

    @abstractmethod
    def _kept_result(self, result: int) -> KeptResult | None: ...

    @abstractmethod
    def _page(self, result: int, offset: int, limit: int, order_by: str | None, descending: bool) -> ResultPage: ...

    @abstractmethod
    def _fetch(self, result: int, format: str) -> Any: ...

    @abstractmethod
    def _export(self, result: int, path: Path, format: str) -> None: ...

    def progress(self) -> float | None:
        """From another thread: the running statement's progress from 0 to 1, or None if the engine cannot tell."""
        return None

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

    def __init__(
        self, open_runner: Callable[[], AbstractCellRunner], recorder: Callable[[], Recorder | None] = lambda: None
    ) -> None:
        self._open_runner = open_runner
        self._recorder = recorder  # samples cells into the ledger when HPDP_RECORD_QUERIES is set
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
        keep_over: int | None = None,
        lazy: bool = False,
        plot: PlotSpec | None = None,
        progress: Callable[[float | None], None] | None = None,
        progress_after: float = PROGRESS_AFTER,
    ) -> CellResult:
        """Run a cell; once it has run `progress_after` seconds it reports to `progress` (on the caller's
        thread) every tick, with the fraction done or None when the engine cannot tell."""
        runner = self.runner
        with timed_query(self._recorder(), sql) as out:
            result = self._on_worker(
                lambda: runner.run(
                    sql,
                    namespace,
                    format=format,
                    as_of=as_of,
                    save=save,
                    explain=explain,
                    keep_over=keep_over,
                    lazy=lazy,
                    plot=plot,
                ),
                progress,
                progress_after,
            )
            out["rows"] = result.kept.total if result.kept is not None else result_rows(result.value)
        return result

    def plot_table(self, table: str, spec: PlotSpec, *, as_of: int | None = None) -> CellResult:
        runner = self.runner
        return self._on_worker(lambda: runner.plot_table(table, spec, as_of=as_of))

    def glance(self, what: str, table: str | None = None, *, format: str = "polars") -> Any:
        runner = self.runner
        return self._on_worker(lambda: runner.glance(what, table, format=format))

    def attach(self, attachment: Attachment) -> str:
        runner = self.runner
        return self._on_worker(lambda: runner.attach(attachment))

    def page(
        self, result: int, offset: int, limit: int, order_by: str | None = None, descending: bool = False
    ) -> ResultPage:
        runner = self.runner
        return self._on_worker(lambda: runner.page(result, offset, limit, order_by, descending))

    def fetch(self, result: int, format: str = "polars", progress: Callable[[float | None], None] | None = None) -> Any:
        runner = self.runner
        return self._on_worker(lambda: runner.fetch(result, format), progress)

    def export(
        self, result: int, path: Path, format: str = "parquet", progress: Callable[[float | None], None] | None = None
    ) -> Path:
        runner = self.runner
        return self._on_worker(lambda: runner.export(result, path, format), progress)

    def _on_worker(
        self,
        work: Callable[[], T],
        progress: Callable[[float | None], None] | None = None,
        progress_after: float = PROGRESS_AFTER,
    ) -> T:
        runner = self.runner
        if self._worker is None:
            self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hpdp-cell")
        job = self._worker.submit(work)
        try:
            return _wait(job, runner, progress, progress_after)
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


def _wait(
    job: Future[T],
    runner: AbstractCellRunner,
    progress: Callable[[float | None], None] | None = None,
    progress_after: float = PROGRESS_AFTER,
) -> T:
    """The job's result; the wait wakes up often, so a keyboard interrupt is raised here without delay, and
    a long job's progress is polled from the runner and reported."""
    started = time.monotonic()
    while True:
        try:
            return job.result(timeout=_TICK)
        except FutureTimeout:
            if progress is not None and time.monotonic() - started >= progress_after:
                progress(runner.progress())
