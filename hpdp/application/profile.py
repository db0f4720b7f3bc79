"""A cheap profile of a loaded table, kept with its load in the ledger so data drift can be seen."""

from __future__ import annotations

from contextlib import suppress
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

MAX_COLUMNS = 30
SAMPLE_ROWS = 10_000  # distinct counts on the first rows only: they cost a hash per value


def column_profile(data: pa.Table) -> dict[str, dict[str, Any]]:
    """Per column (the first 30): null rate, distinct ratio in the first 10,000 rows, mean when numeric."""
    import pyarrow as pa
    import pyarrow.compute as pc

    rows = data.num_rows
    if rows == 0:
        return {}
    head = data.slice(0, SAMPLE_ROWS)
    out: dict[str, dict[str, Any]] = {}
    for name in data.column_names[:MAX_COLUMNS]:
        column = data.column(name)
        stats: dict[str, Any] = {"nulls": round(column.null_count / rows, 4)}
        kind = column.type
        if pa.types.is_integer(kind) or pa.types.is_floating(kind):
            mean = pc.mean(column).as_py()
            stats["mean"] = None if mean is None else round(float(mean), 6)
        if not (pa.types.is_nested(kind) or pa.types.is_floating(kind)):
            with suppress(pa.ArrowNotImplementedError):
                stats["distinct"] = round(pc.count_distinct(head.column(name)).as_py() / head.num_rows, 4)
        out[name] = stats
    return out
