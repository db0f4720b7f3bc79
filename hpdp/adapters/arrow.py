"""Bring Arrow, Polars, Pandas or plain Python data to one Arrow table, and an Arrow table back to them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hpdp.domain.errors import InvalidWriteError
from hpdp.domain.model import OutputFormat

if TYPE_CHECKING:
    import pyarrow as pa


def to_arrow(data: Any) -> pa.Table:
    import pyarrow as pa

    if isinstance(data, pa.Table):
        return data
    if isinstance(data, pa.RecordBatchReader):
        return data.read_all()
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data])
    module = type(data).__module__.split(".")[0]
    if module == "polars":
        frame = data.collect() if hasattr(data, "collect") else data
        return frame.to_arrow()
    if module == "pandas":
        return pa.Table.from_pandas(data, preserve_index=False)
    if module == "duckdb":
        return data.to_arrow_table()
    if isinstance(data, list):
        return pa.Table.from_pylist(data)
    if isinstance(data, dict):
        return pa.Table.from_pydict(data)
    if hasattr(data, "__arrow_c_stream__"):
        return pa.table(data)
    raise InvalidWriteError(
        f"Cannot write a {type(data).__name__}",
        hint="pass an Arrow table, a Polars or Pandas DataFrame, a list of dicts or a dict of columns.",
        code="write_data_unsupported",
    )


def from_arrow(table: pa.Table, format: OutputFormat) -> Any:
    """An Arrow table as the requested result type (the store's own results come from DuckDB instead)."""
    if format is OutputFormat.POLARS:
        import polars as pl

        return pl.from_arrow(table)
    if format is OutputFormat.PANDAS:
        return table.to_pandas()
    return table
