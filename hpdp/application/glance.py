"""The schema at a glance: a table's per-column profile, computed by the engine (a few numbers per column)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

HISTOGRAM_BINS = 12
TOP_VALUES = 3


@dataclass
class ColumnProfile:
    name: str
    type: str
    count: int  # values that are not NULL
    nulls: float  # percent of rows
    distinct: int  # approximate
    min: Any = None
    max: Any = None
    mean: Any = None
    std: Any = None
    median: Any = None
    histogram: list[int] = field(default_factory=list)  # equal-width bins from min to max (numbers, dates)
    top: list[str] = field(default_factory=list)  # the most frequent values (other columns)


@dataclass
class TableProfile:
    table: str
    rows: int
    columns: list[ColumnProfile]
