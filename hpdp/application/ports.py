"""Ports: what the application needs from the outside world.

Each port does shared validation in its public method (template method) and leaves the
engine-specific part to an underscore hook.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hpdp.domain.errors import UnsupportedError
from hpdp.domain.model import (
    Aggregation,
    ColumnSummary,
    Condition,
    OutputFormat,
    Snapshot,
    TableInfo,
    WriteMode,
    WriteResult,
    merge_keys,
    table_name,
)


class AbstractBatch(ABC):
    """Writes collected inside one store transaction: all commit together or none does."""

    def write(
        self, table: str, data: Any, mode: str | WriteMode = WriteMode.APPEND, key: str | Sequence[str] | None = None
    ) -> WriteResult:
        parsed = WriteMode.parse(mode)
        return self._write(table_name(table), data, parsed, merge_keys(parsed, key))

    @abstractmethod
    def _write(self, table: str, data: Any, mode: WriteMode, keys: tuple[str, ...]) -> WriteResult: ...

    def drop(self, table: str) -> None:
        self._drop(table_name(table))

    @abstractmethod
    def _drop(self, table: str) -> None: ...


class AbstractStore(ABC):
    """A place that keeps tables. DuckDB is the query engine over every store."""

    engine: str = ""

    def write(
        self, table: str, data: Any, mode: str | WriteMode = WriteMode.APPEND, key: str | Sequence[str] | None = None
    ) -> WriteResult:
        with self.batch() as batch:
            result = batch.write(table, data, mode, key)
        return self._with_snapshot(result)

    def _with_snapshot(self, result: WriteResult) -> WriteResult:
        if isinstance(self, SupportsSnapshots):
            return WriteResult(result.table, result.mode, result.rows_written, self.current_snapshot())
        return result

    def drop(self, table: str) -> None:
        with self.batch() as batch:
            batch.drop(table)

    @contextmanager
    def batch(self) -> Iterator[AbstractBatch]:
        """Group writes into one atomic commit (one snapshot where the engine keeps them)."""
        with self._batch() as batch:
            yield batch

    @abstractmethod
    def _batch(self) -> Any: ...

    def read(self, table: str, *, as_of: int | None = None, format: str | OutputFormat = OutputFormat.ARROW) -> Any:
        self._check_as_of(as_of)
        return self._read(table_name(table), as_of, OutputFormat(format))

    @abstractmethod
    def _read(self, table: str, as_of: int | None, format: OutputFormat) -> Any: ...

    def sql(
        self,
        query: str,
        params: Sequence[Any] | dict[str, Any] | None = None,
        *,
        as_of: int | None = None,
        format: str | OutputFormat = OutputFormat.ARROW,
    ) -> Any:
        self._check_as_of(as_of)
        return self._sql(query, params, as_of, OutputFormat(format))

    @abstractmethod
    def _sql(self, query: str, params: Any, as_of: int | None, format: OutputFormat) -> Any: ...

    @abstractmethod
    def tables(self) -> list[TableInfo]: ...

    def has_table(self, table: str) -> bool:
        return any(t.name == table for t in self.tables())

    def read_file(self, path: str | Path, file_format: str | None = None) -> Any:
        """Parse a CSV, Parquet or JSON file into an Arrow table with the query engine."""
        return self._read_file(Path(path), file_format)

    @abstractmethod
    def _read_file(self, path: Path, file_format: str | None) -> Any: ...

    def _check_as_of(self, as_of: int | None) -> None:
        if as_of is not None and not isinstance(self, SupportsSnapshots):
            raise UnsupportedError(
                f"The {self.engine} store keeps no snapshots, so --as-of is not available; "
                "use HPDP_DB_ENGINE=ducklake for time travel."
            )

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> AbstractStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SupportsSnapshots(ABC):
    """Capability: the store versions every write and can read an earlier version."""

    @abstractmethod
    def snapshots(self, table: str | None = None) -> list[Snapshot]: ...

    @abstractmethod
    def current_snapshot(self) -> int: ...


class AbstractProcessor(ABC):
    """Dataframe work on one table in memory. Inputs: Arrow, Polars or Pandas; outputs: Arrow tables."""

    engine: str = ""

    def summary(self, data: Any) -> list[ColumnSummary]:
        return self._summary(data)

    @abstractmethod
    def _summary(self, data: Any) -> list[ColumnSummary]: ...

    def profile(self, data: Any) -> dict[str, Any]:
        """Shape, memory and per-column summary, as plain values."""
        frame_rows, frame_cols, memory = self._shape(data)
        return {
            "rows": frame_rows,
            "columns": frame_cols,
            "memory_bytes": memory,
            "engine": self.engine,
            "summary": self.summary(data),
        }

    @abstractmethod
    def _shape(self, data: Any) -> tuple[int, int, int]: ...

    def filter(self, data: Any, conditions: Sequence[Condition]) -> Any:
        return self._filter(data, list(conditions))

    @abstractmethod
    def _filter(self, data: Any, conditions: list[Condition]) -> Any: ...

    def aggregate(self, data: Any, by: Sequence[str], aggregations: Sequence[Aggregation]) -> Any:
        """Group by the given columns (sorted by them) and compute each aggregation."""
        return self._aggregate(data, list(by), list(aggregations))

    @abstractmethod
    def _aggregate(self, data: Any, by: list[str], aggregations: list[Aggregation]) -> Any: ...


class StoreOptions:
    """What every store factory receives from the composition root."""

    def __init__(
        self,
        home: Path,
        extension_dir: Path,
        url: str | None = None,
        data_path: Path | None = None,
    ) -> None:
        self.home = home
        self.extension_dir = extension_dir
        self.url = url
        self.data_path = data_path
