"""Values exchanged across the ports."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from hpdp.domain.errors import InvalidInputError, InvalidWriteError

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class WriteMode(StrEnum):
    APPEND = "append"
    REPLACE = "replace"
    MERGE = "merge"

    @classmethod
    def parse(cls, value: str | WriteMode) -> WriteMode:
        try:
            return cls(value)
        except ValueError:
            accepted = ", ".join(m.value for m in cls)
            raise InvalidWriteError(
                f"Unknown write mode {value!r}", hint=f"use one of: {accepted}.", code="write_mode_invalid"
            ) from None


class OutputFormat(StrEnum):
    ARROW = "arrow"
    POLARS = "polars"
    PANDAS = "pandas"


def table_name(name: str) -> str:
    """Validate a table name: a plain SQL identifier, optionally schema-qualified."""
    parts = name.split(".")
    if not name or len(parts) > 2 or not all(_IDENTIFIER.match(p) for p in parts):
        raise InvalidInputError(
            f"Invalid table name {name!r}",
            hint="use letters, digits and underscores, not starting with a digit.",
            code="table_name_invalid",
        )
    return name


def merge_keys(mode: WriteMode, key: str | list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    """The key columns a write needs: required for merge, ignored otherwise."""
    keys = (key,) if isinstance(key, str) else tuple(key or ())
    if mode is WriteMode.MERGE and not keys:
        raise InvalidWriteError(
            "A merge needs a key", hint="name the column(s) that identify a row.", code="merge_key_missing"
        )
    for k in keys:
        table_name(k)
    return keys


@dataclass(frozen=True)
class TableInfo:
    name: str
    rows: int


@dataclass(frozen=True)
class Snapshot:
    id: int
    time: datetime
    changes: str = ""
    tables: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class WriteResult:
    table: str
    mode: WriteMode
    rows_written: int
    snapshot: int | None = None


@dataclass(frozen=True)
class ColumnSummary:
    column: str
    dtype: str
    count: int
    nulls: int
    distinct: int
    min: float | str | None = None
    max: float | str | None = None
    mean: float | None = None


@dataclass(frozen=True)
class Condition:
    """A filter condition: column, operator, value (operators in OPERATORS)."""

    column: str
    op: str
    value: object

    OPERATORS = ("==", "!=", "<", "<=", ">", ">=", "in", "not in", "is null", "not null")

    def __post_init__(self) -> None:
        if self.op not in self.OPERATORS:
            raise InvalidInputError(
                f"Unknown operator {self.op!r}",
                hint=f"use one of: {', '.join(self.OPERATORS)}.",
                code="operator_invalid",
            )


@dataclass(frozen=True)
class Aggregation:
    """An output column computed as FUNCTION(column) per group."""

    name: str
    column: str
    function: str

    FUNCTIONS = ("count", "sum", "mean", "min", "max", "median", "std", "n_unique")

    def __post_init__(self) -> None:
        if self.function not in self.FUNCTIONS:
            raise InvalidInputError(
                f"Unknown aggregate {self.function!r}",
                hint=f"use one of: {', '.join(self.FUNCTIONS)}.",
                code="aggregate_invalid",
            )
