"""The application object: use cases over the store and processor ports."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hpdp.application.cells import AbstractCellRunner, CellService
from hpdp.application.ports import AbstractProcessor
from hpdp.application.store_ports import DEFAULT_BATCH_ROWS, AbstractSession, AbstractStore, SupportsSnapshots
from hpdp.domain.errors import SnapshotsUnsupportedError, UnknownTableError, UnsupportedError
from hpdp.domain.model import ColumnSummary, OutputFormat, Snapshot, TableInfo, WriteMode, WriteResult, table_name

if TYPE_CHECKING:
    from hpdp.application.ingestion import IngestionService, Progress
    from hpdp.application.runs import RunService
    from hpdp.domain.sources import LoadRecord


class Workbench:
    """What notebooks, the CLI and servers use: `hp.sql(...)`, `hp.table(...)`, `hp.write(...)`."""

    def __init__(
        self,
        store: AbstractStore,
        processor: AbstractProcessor,
        *,
        output_format: str = OutputFormat.POLARS,
        ingestion: IngestionService | Callable[[], IngestionService] | None = None,
        runs: Callable[[], RunService] | None = None,
        cells: Callable[[AbstractStore], AbstractCellRunner] | None = None,
    ) -> None:
        self.store = store
        self.processor = processor
        self.output_format = OutputFormat(output_format)
        self._ingestion = ingestion  # or its factory: the sources catalog is read when first needed
        self._runs_factory = runs
        self._runs: RunService | None = None
        self._cells_factory = cells
        self._cells: CellService | None = None

    @property
    def ingestion(self) -> IngestionService:
        """Loads from the sources catalog: `hp.ingestion.loads()`, `.specs()`, `.cursor(name)`."""
        if callable(self._ingestion):
            self._ingestion = self._ingestion()
        if self._ingestion is None:
            raise UnsupportedError("This workbench has no sources catalog; open it with hpdp.open().")
        return self._ingestion

    def ingest(self, name: str, *, full_refresh: bool = False, progress: Progress | None = None) -> LoadRecord:
        """Load a named source from the catalog in one atomic commit (data, cursor and history)."""
        return self.ingestion.ingest(name, full_refresh=full_refresh, progress=progress)

    @property
    def cells(self) -> CellService:
        """SQL cells for notebooks: one long-lived session of the store, opened on the first cell."""
        if self._cells is None:
            factory = self._cells_factory
            if factory is None:
                raise UnsupportedError("This workbench has no SQL cells; open it with hpdp.open().")
            store = self.store
            self._cells = CellService(lambda: factory(store))
        return self._cells

    def sql(self, query: str, params: Any = None, *, as_of: int | None = None, format: str | None = None) -> Any:
        return self.store.sql(query, params, as_of=as_of, format=format or self.output_format)

    def session(self, as_of: int | None = None) -> AbstractSession:
        """A reader's own view of the store (use it in a `with` block); `as_of` pins one snapshot."""
        return self.store.session(as_of)

    def stream(
        self, query_or_table: str, params: Any = None, *, as_of: int | None = None, batch_rows: int = DEFAULT_BATCH_ROWS
    ) -> Any:
        """A result as a pyarrow.RecordBatchReader, read batch by batch (for results larger than memory)."""
        return self.store.stream(query_or_table, params, as_of=as_of, batch_rows=batch_rows)

    def table(self, name: str, *, as_of: int | None = None, format: str | None = None) -> Any:
        return self.store.read(name, as_of=as_of, format=format or self.output_format)

    def write(
        self, name: str, data: Any, mode: str | WriteMode = WriteMode.APPEND, key: str | Sequence[str] | None = None
    ) -> WriteResult:
        return self.store.write(name, data, mode, key)

    def import_file(
        self,
        path: str | Path,
        table: str,
        mode: str | WriteMode = WriteMode.APPEND,
        key: str | Sequence[str] | None = None,
        file_format: str | None = None,
    ) -> WriteResult:
        parsed = WriteMode.parse(mode)
        data = self.store.read_file(path, file_format)
        return self.store.write(table, data, parsed, key)

    def tables(self) -> list[TableInfo]:
        return self.store.tables()

    def snapshots(self, table: str | None = None) -> list[Snapshot]:
        if not isinstance(self.store, SupportsSnapshots):
            raise SnapshotsUnsupportedError(
                f"The {self.store.engine} store keeps no snapshots.", hint="use HPDP_DB_ENGINE=ducklake for versioning"
            )
        if table is not None and not self.store.has_table(table_name(table)):
            raise UnknownTableError(f"Table {table!r} does not exist.")
        return self.store.snapshots(table)

    def current_snapshot(self) -> int | None:
        return self.store.current_snapshot() if isinstance(self.store, SupportsSnapshots) else None

    def drop(self, name: str) -> None:
        self.store.drop(name)

    def summary(self, table_or_data: Any) -> list[ColumnSummary]:
        return self.processor.summary(self._data(table_or_data))

    def profile(self, table_or_data: Any) -> dict[str, Any]:
        return self.processor.profile(self._data(table_or_data))

    def _data(self, table_or_data: Any) -> Any:
        if isinstance(table_or_data, str):
            return self.store.read(table_or_data, format=OutputFormat.ARROW)
        return table_or_data

    def run_notebook(
        self,
        notebook: str | Path,
        parameters: dict[str, Any] | None = None,
        *,
        experiment: str | None = None,
        queue: bool = False,
        timeout_s: float | None = None,
    ) -> Any:
        """Run a parameterized notebook (tracked); returns its RunRecord. `queue=True` returns once queued."""
        from hpdp.domain.runs import RunRequest

        if self._runs is None:
            if self._runs_factory is None:
                raise UnsupportedError("This workbench has no notebook runs; open it with hpdp.open().")
            self._runs = self._runs_factory()
        params = dict(parameters or {})
        request = RunRequest(str(notebook), params, experiment=experiment, timeout_s=timeout_s)
        return self._runs.submit(request) if queue else self._runs.run(request)

    def close(self) -> None:
        if self._runs is not None:
            self._runs.close()
        if self._cells is not None:
            self._cells.close()
        self.store.close()

    def __enter__(self) -> Workbench:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<hpdp Workbench store={self.store.engine} processor={self.processor.engine}>"
