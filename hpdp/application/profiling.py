"""The port that measures tables inside the store's engine: column profiles, samples, cleaned copies."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hpdp.domain.cleaning import ColumnChange, ColumnProfile


@dataclass(frozen=True)
class Sample:
    """Rows of a table as plain columns: the examined ones plus every column to show beside them."""

    columns: dict[str, list[Any]]
    shown: tuple[str, ...]
    total_rows: int


class AbstractTableProfiler(ABC):
    @abstractmethod
    def numeric_columns(self, table: str) -> list[str]: ...

    @abstractmethod
    def numeric_sample(self, table: str, columns: Sequence[str], max_rows: int) -> Sample:
        """All rows when the table has at most `max_rows`, else a repeatable sample drawn by the engine."""

    @abstractmethod
    def profiles(self, table: str, max_variants: int = 1000) -> list[ColumnProfile]:
        """A profile of every column over the whole table; case variants only for columns of at most
        `max_variants` distinct values."""

    @abstractmethod
    def duplicate_keys(self, table: str, key: Sequence[str]) -> tuple[int, list[Any]]:
        """How many key values occur more than once, and a few of them."""

    @abstractmethod
    def cleaned(self, table: str, changes: Sequence[ColumnChange]) -> Any:
        """The table with the changes made, as an Arrow table (the writer stores it)."""
