"""Anomalies found in a table's numeric columns or in a series of run metrics."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class AnomalousRow:
    position: int  # row number in the rows examined (0-based)
    score: float  # higher is more unusual; each detector says what its scale means
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AnomalyReport:
    table: str
    detector: str
    columns: tuple[str, ...]
    rows_examined: int
    rows_in_table: int
    threshold: float
    anomalies: tuple[AnomalousRow, ...]  # the most unusual first, up to the limit asked for
    found: int = 0  # all the anomalous rows, shown or not

    @property
    def sampled(self) -> bool:
        return self.rows_examined < self.rows_in_table

    def as_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "detector": self.detector,
            "columns": list(self.columns),
            "rows_examined": self.rows_examined,
            "rows_in_table": self.rows_in_table,
            "sampled": self.sampled,
            "threshold": self.threshold,
            "found": self.found,
            "anomalies": [{"row": a.position, "score": a.score, "values": a.values} for a in self.anomalies],
        }
