"""Anomaly detection behind a port: on a table's numeric columns, and on a series of run metrics."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from hpdp.domain.anomalies import AnomalousRow, AnomalyReport
from hpdp.domain.errors import InvalidInputError

if TYPE_CHECKING:
    from hpdp.application.profiling import AbstractTableProfiler

DEFAULT_SAMPLE_ROWS = 100_000  # larger tables are sampled in the store before any row reaches Python


@dataclass(frozen=True)
class Scores:
    """One score per row (higher is more unusual) and which rows count as anomalies."""

    scores: np.ndarray
    anomalous: np.ndarray
    threshold: float


class AbstractAnomalyDetector(ABC):
    """Scores the rows of a numeric matrix (rows x columns). Missing values take the column's median."""

    name: str = ""

    def detect(self, matrix: Any) -> Scores:
        values = np.asarray(matrix, dtype=float)
        if values.ndim == 1:
            values = values.reshape(-1, 1)
        if values.ndim != 2:
            raise InvalidInputError("Anomaly detection needs a table of numbers (rows by columns).")
        if values.shape[0] == 0 or values.shape[1] == 0:
            empty = np.zeros(values.shape[0])
            return Scores(empty, empty.astype(bool), 0.0)
        return self._detect(_fill_missing(values))

    @abstractmethod
    def _detect(self, values: np.ndarray) -> Scores: ...


def _fill_missing(values: np.ndarray) -> np.ndarray:
    filled = values.copy()
    for j in range(filled.shape[1]):
        column = filled[:, j]
        missing = ~np.isfinite(column)
        if missing.any():
            finite = column[~missing]
            column[missing] = float(np.median(finite)) if finite.size else 0.0
    return filled


def anomalous_values(detector: AbstractAnomalyDetector, series: Sequence[float]) -> list[int]:
    """Positions of the unusual values of one metric over runs (for the findings engine)."""
    result = detector.detect(np.asarray(series, dtype=float))
    return [int(i) for i in np.flatnonzero(result.anomalous)]


class AnomalyService:
    """`anomalies(table)`: the rows of a table that the configured detector finds unusual."""

    def __init__(
        self,
        profiler: AbstractTableProfiler,
        detector: AbstractAnomalyDetector,
        sample_rows: int = DEFAULT_SAMPLE_ROWS,
    ) -> None:
        self.profiler = profiler
        self.detector = detector
        self.sample_rows = sample_rows

    def table(self, table: str, columns: Sequence[str] | None = None, limit: int = 50) -> AnomalyReport:
        numeric = self.profiler.numeric_columns(table)
        wanted = list(columns) if columns else numeric
        unknown = [c for c in wanted if c not in numeric]
        if unknown:
            shown = ", ".join(numeric) or "none"
            raise InvalidInputError(
                f"Column {unknown[0]!r} of {table!r} is not a numeric column; its numeric columns are: {shown}.",
                code="column_not_numeric",
            )
        if not wanted:
            raise InvalidInputError(f"Table {table!r} has no numeric column to examine.", code="column_not_numeric")
        sample = self.profiler.numeric_sample(table, wanted, self.sample_rows)
        matrix = np.column_stack([np.asarray(sample.columns[c], dtype=float) for c in wanted])
        result = self.detector.detect(matrix)
        order = np.argsort(-result.scores, kind="stable")
        found = [
            AnomalousRow(int(i), round(float(result.scores[i]), 4), {c: sample.columns[c][i] for c in sample.shown})
            for i in order
            if result.anomalous[i]
        ][:limit]
        return AnomalyReport(
            table=table,
            detector=self.detector.name,
            columns=tuple(wanted),
            rows_examined=len(matrix),
            rows_in_table=sample.total_rows,
            threshold=result.threshold,
            anomalies=tuple(found),
            found=int(result.anomalous.sum()),
        )
