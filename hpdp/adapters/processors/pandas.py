"""Pandas processor."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pyarrow as pa

from hpdp.adapters.arrow import to_arrow
from hpdp.adapters.processors.shapes import aggregate_schema, check_columns, is_numeric, scalar
from hpdp.application.ports import AbstractProcessor
from hpdp.domain.model import Aggregation, ColumnSummary, Condition


def _frame(data: Any) -> tuple[pd.DataFrame, pa.Table]:
    table = to_arrow(data)
    return table.to_pandas(types_mapper=pd.ArrowDtype), table


class PandasProcessor(AbstractProcessor):
    engine = "pandas"

    def _summary(self, data: Any) -> list[ColumnSummary]:
        frame, table = _frame(data)
        out = []
        for field in table.schema:
            col = frame[field.name]
            numeric = is_numeric(field.type)
            non_null = col.dropna()
            comparable = numeric or not (pa.types.is_nested(field.type) or pa.types.is_binary(field.type))
            out.append(
                ColumnSummary(
                    column=field.name,
                    dtype=str(field.type),
                    count=len(frame),
                    nulls=int(table.column(field.name).null_count),
                    distinct=int(non_null.nunique()) if comparable or numeric else _distinct(table, field.name),
                    min=scalar(non_null.min(), numeric) if comparable and len(non_null) else None,
                    max=scalar(non_null.max(), numeric) if comparable and len(non_null) else None,
                    mean=float(non_null.astype("float64").mean()) if numeric and len(non_null) else None,
                )
            )
        return out

    def _shape(self, data: Any) -> tuple[int, int, int]:
        table = to_arrow(data)
        return table.num_rows, table.num_columns, table.nbytes

    def _filter(self, data: Any, conditions: list[Condition]) -> pa.Table:
        frame, table = _frame(data)
        check_columns(table, [c.column for c in conditions])
        mask = pd.Series(True, index=frame.index)
        for c in conditions:
            mask &= _mask(frame[c.column], c).fillna(False).astype(bool)
        return pa.Table.from_pandas(frame[mask], preserve_index=False).cast(table.schema)

    def _aggregate(self, data: Any, by: list[str], aggregations: list[Aggregation]) -> pa.Table:
        frame, table = _frame(data)
        check_columns(table, by + [a.column for a in aggregations])
        spec = {a.name: (a.column, _FUNCS[a.function]) for a in aggregations}
        if by:
            result = frame.groupby(by, dropna=False, sort=False).agg(**spec).reset_index()  # type: ignore[call-overload]
            result = result.sort_values(by, na_position="last", kind="stable")
        else:
            result = pd.DataFrame({name: [frame[col].agg(fn)] for name, (col, fn) in spec.items()})
        return pa.Table.from_pandas(result, preserve_index=False).cast(aggregate_schema(table.schema, by, aggregations))


_FUNCS = {
    "count": "count",
    "sum": "sum",
    "mean": "mean",
    "min": "min",
    "max": "max",
    "median": "median",
    "std": "std",
    "n_unique": "nunique",
}


def _distinct(table: pa.Table, column: str) -> int:
    return len(table.column(column).drop_null().unique())


def _mask(col: pd.Series, c: Condition) -> pd.Series:
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
            return col.isin(list(c.value))  # type: ignore[call-overload]
        case "not in":
            return ~col.isin(list(c.value))  # type: ignore[call-overload]
        case "is null":
            return col.isna()
        case _:
            return col.notna()
