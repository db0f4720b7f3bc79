"""Polars processor. Polars and pyarrow load on first use: building the processor costs nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hpdp.adapters.arrow import to_arrow
from hpdp.adapters.processors.shapes import aggregate_schema, check_columns, is_numeric, scalar
from hpdp.application.ports import AbstractProcessor
from hpdp.domain.model import Aggregation, ColumnSummary, Condition

if TYPE_CHECKING:
    import polars as pl
    import pyarrow as pa


def _frame(data: Any) -> tuple[pl.DataFrame, pa.Table]:
    import polars as pl

    if isinstance(data, pl.LazyFrame):
        data = data.collect()
    if isinstance(data, pl.DataFrame):
        return data, data.to_arrow()
    table = to_arrow(data)
    return pl.from_arrow(table), table  # type: ignore[return-value]


class PolarsProcessor(AbstractProcessor):
    engine = "polars"

    def _summary(self, data: Any) -> list[ColumnSummary]:
        frame, table = _frame(data)
        out = []
        for field in table.schema:
            col = frame.get_column(field.name)
            numeric = is_numeric(field.type)
            non_null = col.drop_nulls()
            if numeric:
                non_null = non_null.fill_nan(None).drop_nulls() if col.dtype.is_float() else non_null
            comparable = numeric or _orderable(field.type)
            out.append(
                ColumnSummary(
                    column=field.name,
                    dtype=str(field.type),
                    count=frame.height,
                    nulls=col.null_count(),
                    distinct=col.drop_nulls().n_unique(),
                    min=scalar(non_null.min(), numeric) if comparable and len(non_null) else None,
                    max=scalar(non_null.max(), numeric) if comparable and len(non_null) else None,
                    mean=float(non_null.mean()) if numeric and len(non_null) else None,  # type: ignore[arg-type]
                )
            )
        return out

    def _shape(self, data: Any) -> tuple[int, int, int]:
        frame, table = _frame(data)
        return frame.height, frame.width, table.nbytes

    def _filter(self, data: Any, conditions: list[Condition]) -> pa.Table:
        frame, table = _frame(data)
        check_columns(table, [c.column for c in conditions])
        if conditions:
            frame = frame.filter(*[_expr(c) for c in conditions])
        return frame.to_arrow().cast(table.schema)

    def _aggregate(self, data: Any, by: list[str], aggregations: list[Aggregation]) -> pa.Table:
        frame, table = _frame(data)
        check_columns(table, by + [a.column for a in aggregations])
        exprs = [_agg(a) for a in aggregations]
        result = (
            frame.group_by(by, maintain_order=False).agg(exprs).sort(by, nulls_last=True) if by else frame.select(exprs)
        )
        return result.to_arrow().cast(aggregate_schema(table.schema, by, aggregations))


def _orderable(dtype: pa.DataType) -> bool:
    import pyarrow as pa

    return not (pa.types.is_nested(dtype) or pa.types.is_binary(dtype) or pa.types.is_null(dtype))


def _expr(c: Condition) -> pl.Expr:
    import polars as pl

    col = pl.col(c.column)
    match c.op:
        case "==":
            return col == c.value
        case "!=":
            return col != c.value
        case "<":
            return col < c.value
        case "<=":
            return col <= c.value
        case ">":
            return col > c.value
        case ">=":
            return col >= c.value
        case "in":
            return col.is_in(list(c.value))  # type: ignore[call-overload]
        case "not in":
            return ~col.is_in(list(c.value))  # type: ignore[call-overload]
        case "is null":
            return col.is_null()
        case _:
            return col.is_not_null()


def _agg(a: Aggregation) -> pl.Expr:
    import polars as pl

    col = pl.col(a.column)
    expr = {
        "count": col.count(),
        "sum": col.sum(),
        "mean": col.mean(),
        "min": col.min(),
        "max": col.max(),
        "median": col.median(),
        "std": col.std(),
        "n_unique": col.drop_nulls().n_unique(),
    }[a.function]
    return expr.alias(a.name)
