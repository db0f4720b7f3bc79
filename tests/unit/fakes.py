"""Fakes of the ports for unit tests of the use cases: plain Python, no I/O."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hpdp.application.cells import AbstractCellRunner, CellResult, KeptResult, ResultPage
from hpdp.application.ports import AbstractProcessor
from hpdp.application.store_ports import AbstractBatch, AbstractStore, SupportsSnapshots
from hpdp.domain.errors import InputFileError, UnknownTableError
from hpdp.domain.model import ColumnSummary, OutputFormat, Snapshot, TableInfo, WriteMode, WriteResult


class FakeBatch(AbstractBatch):
    def __init__(self, tables: dict[str, list[dict[str, Any]]]) -> None:
        self.tables = tables

    def _write(self, table: str, data: Any, mode: WriteMode, keys: tuple[str, ...]) -> WriteResult:
        rows = list(data)
        if mode is WriteMode.REPLACE or table not in self.tables:
            self.tables[table] = []
        if mode is WriteMode.MERGE:
            incoming = {tuple(r[k] for k in keys) for r in rows}
            self.tables[table] = [r for r in self.tables[table] if tuple(r[k] for k in keys) not in incoming]
        self.tables[table].extend(rows)
        return WriteResult(table, mode, len(rows))

    def _drop(self, table: str) -> None:
        if table not in self.tables:
            raise UnknownTableError(f"Table {table!r} does not exist.")
        del self.tables[table]


class FakeStore(AbstractStore):
    """Tables are lists of dicts; a batch works on a copy and commits by swapping it in."""

    engine = "fake"

    def __init__(self, files: dict[str, list[dict[str, Any]]] | None = None) -> None:
        self.tables_data: dict[str, list[dict[str, Any]]] = {}
        self.files = files or {}
        self.closed = False

    @contextmanager
    def _batch(self) -> Iterator[FakeBatch]:
        work = {k: list(v) for k, v in self.tables_data.items()}
        yield FakeBatch(work)
        self.tables_data = work

    def _read(self, table: str, as_of: int | None, format: OutputFormat) -> Any:
        if table not in self.tables_data:
            raise UnknownTableError(f"Table {table!r} does not exist.")
        return list(self.tables_data[table])

    def _sql(self, query: str, params: Any, as_of: int | None, format: OutputFormat) -> Any:
        return [{"query": query, "params": params, "format": format.value}]

    def tables(self) -> list[TableInfo]:
        return [TableInfo(n, len(r)) for n, r in sorted(self.tables_data.items())]

    def _read_file(self, path: Path, file_format: str | None) -> Any:
        if str(path) not in self.files:
            raise InputFileError(f"File {str(path)!r} does not exist.")
        return self.files[str(path)]

    def close(self) -> None:
        self.closed = True


class FakeVersionedStore(FakeStore, SupportsSnapshots):
    engine = "fake-versioned"

    def __init__(self) -> None:
        super().__init__()
        self.versions: list[dict[str, list[dict[str, Any]]]] = [{}]

    @contextmanager
    def _batch(self) -> Iterator[FakeBatch]:
        with super()._batch() as batch:
            yield batch
        self.versions.append({k: list(v) for k, v in self.tables_data.items()})

    def _read(self, table: str, as_of: int | None, format: OutputFormat) -> Any:
        data = self.versions[as_of] if as_of is not None else self.tables_data
        if table not in data:
            raise UnknownTableError(f"Table {table!r} does not exist.")
        return list(data[table])

    def snapshots(self, table: str | None = None) -> list[Snapshot]:
        from datetime import UTC, datetime

        return [Snapshot(i, datetime.now(UTC)) for i in range(len(self.versions))]

    def current_snapshot(self) -> int:
        return len(self.versions) - 1


class FakeProcessor(AbstractProcessor):
    engine = "fake"

    def _summary(self, data: Any) -> list[ColumnSummary]:
        columns = list(data[0]) if data else []
        return [ColumnSummary(c, "any", len(data), 0, len({r[c] for r in data})) for c in columns]

    def _shape(self, data: Any) -> tuple[int, int, int]:
        return len(data), len(data[0]) if data else 0, 0

    def _filter(self, data: Any, conditions: list[Any]) -> Any:
        return data

    def _aggregate(self, data: Any, by: list[str], aggregations: list[Any]) -> Any:
        return data


class FakeCellRunner(AbstractCellRunner):
    """Every cell's result is `rows` (columns a, b), kept when asked; with `release` set, a cell waits for it."""

    def __init__(self, rows: list[tuple[Any, ...]]) -> None:
        self.rows = rows
        self.columns = ["a", "b"]
        self.release: threading.Event | None = None
        self.fraction: float | None = 0.5
        self.kept_results: dict[int, KeptResult] = {}
        self.fetches = 0

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
        plot: Any = None,
    ) -> CellResult:
        if self.release is not None:
            assert self.release.wait(timeout=60), "the cell was never released"
        if keep_over is None or len(self.rows) <= keep_over:
            return CellResult(list(self.rows), "SELECT", 0.0)
        first = ResultPage(self.columns, ["INTEGER", "VARCHAR"], self.rows[:keep_over], 0, len(self.rows))
        kept = KeptResult(len(self.kept_results) + 1, first)
        self.kept_results[kept.id] = kept
        return CellResult(None if lazy else list(self.rows), "SELECT", 0.0, kept=kept)

    def _kept_result(self, result: int) -> KeptResult | None:
        return self.kept_results.get(result)

    def _page(self, result: int, offset: int, limit: int, order_by: str | None, descending: bool) -> ResultPage:
        rows = self.rows
        if order_by is not None:
            rows = sorted(rows, key=lambda r: r[self.columns.index(order_by)], reverse=descending)
        return ResultPage(self.columns, ["INTEGER", "VARCHAR"], rows[offset : offset + limit], offset, len(rows))

    def _fetch(self, result: int, format: str) -> Any:
        self.fetches += 1
        return list(self.rows)

    def _export(self, result: int, path: Path, format: str) -> None:
        path.write_text("\n".join(",".join(map(str, r)) for r in self.rows))

    def progress(self) -> float | None:
        return self.fraction
