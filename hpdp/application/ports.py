"""Ports: what the application needs from the outside world.

Each port does shared validation in its public method (template method) and leaves the
engine-specific part to an underscore hook. The store ports live in `store_ports`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

from hpdp.domain.model import Aggregation, ColumnSummary, Condition


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
