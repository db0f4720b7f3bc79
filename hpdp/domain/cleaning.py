"""Cleaning suggestions for a table: facts about its columns, and what would change."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MISSING_MARKERS = ("", "na", "n/a", "null", "none")  # compared after trimming, case-insensitively


@dataclass(frozen=True)
class ColumnProfile:
    """What the store measured over a whole column (text columns carry the parse counts)."""

    name: str
    dtype: str
    rows: int
    nulls: int
    distinct: int
    text: bool = False
    markers: int = 0  # values that are missing-value markers
    values: int = 0  # non-null values that are not markers
    as_bigint: int = 0  # of those, how many TRY_CAST to each type
    as_double: int = 0
    as_date: int = 0
    as_timestamp: int = 0
    as_boolean: int = 0
    variants: tuple[tuple[str, ...], ...] = ()  # groups of values equal up to case and surrounding space


@dataclass(frozen=True)
class Suggestion:
    kind: str  # "cast", "missing_markers", "categories", "duplicate_keys", "constant_column"
    column: str
    message: str
    applied: bool  # whether `apply` makes this change (the others are for a person to decide)
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ColumnChange:
    """How one text column is rewritten: markers to NULL, variants to one spelling, then a cast."""

    column: str
    nullify_markers: bool = False
    canonical: dict[str, str] = field(default_factory=dict)  # variant -> chosen spelling
    cast: str | None = None  # BIGINT, DOUBLE, DATE, TIMESTAMP, BOOLEAN


@dataclass(frozen=True)
class CleaningReport:
    table: str
    rows: int
    suggestions: tuple[Suggestion, ...]
    changes: tuple[ColumnChange, ...]
    snapshot_before: int | None = None
    snapshot_after: int | None = None  # set when applied

    def as_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "rows": self.rows,
            "applied": self.snapshot_after is not None,
            "snapshot_before": self.snapshot_before,
            "snapshot_after": self.snapshot_after,
            "suggestions": [
                {"kind": s.kind, "column": s.column, "message": s.message, "applied": s.applied, "detail": s.detail}
                for s in self.suggestions
            ],
        }
