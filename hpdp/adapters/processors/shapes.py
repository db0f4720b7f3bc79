"""What both processors share: Arrow input, and one canonical output schema per operation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hpdp.domain.errors import InvalidInputError
from hpdp.domain.model import Aggregation

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["aggregate_schema", "check_columns", "is_numeric", "scalar"]


def is_numeric(dtype: pa.DataType) -> bool:
    import pyarrow as pa

    return pa.types.is_integer(dtype) or pa.types.is_floating(dtype) or pa.types.is_decimal(dtype)


def check_columns(table: pa.Table, columns: list[str]) -> None:
    missing = [c for c in columns if c not in table.column_names]
    if missing:
        raise InvalidInputError(
            f"Unknown column(s) {', '.join(missing)}",
            hint=f"the data has: {', '.join(table.column_names)}.",
            code="column_not_found",
        )


def scalar(value: Any, numeric: bool) -> float | str | None:
    """min/max as one comparable type: float for numbers, text for everything else."""
    if value is None:
        return None
    try:
        if value != value:  # NaN
            return None
    except (TypeError, ValueError):
        pass
    return float(value) if numeric else str(value)


def aggregate_schema(source: pa.Schema, by: list[str], aggregations: list[Aggregation]) -> pa.Schema:
    import pyarrow as pa

    fields = [source.field(b) for b in by]
    for agg in aggregations:
        dtype = source.field(agg.column).type
        if agg.function in ("count", "n_unique"):
            out: pa.DataType = pa.int64()
        elif agg.function in ("mean", "median", "std"):
            out = pa.float64()
        elif agg.function == "sum":
            out = pa.int64() if pa.types.is_integer(dtype) else pa.float64()
        else:
            out = dtype
        fields.append(pa.field(agg.name, out))
    return pa.schema(fields)
