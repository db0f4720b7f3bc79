"""The read side the pages use: the container's read-only query service.

Pages never load a whole table: they ask for one page (`page`), a count, a schema or an aggregate.
"""

from __future__ import annotations

from typing import Any, Protocol

import pyarrow as pa


class Queries(Protocol):
    """What the pages need of `container.queries()`."""

    def tables(self) -> Any: ...
    def schema(self, table: str, as_of: int | None = None) -> list[tuple[str, str]]: ...
    def count(self, table: str, as_of: int | None = None) -> int: ...
    def page(
        self,
        table: str,
        *,
        as_of: int | None = None,
        limit: int = 100,
        offset: int = 0,
        columns: list[str] | None = None,
        order_by: str | None = None,
        descending: bool = False,
    ) -> pa.Table: ...
    def sql(self, query: str, *, limit: int | None = None, timeout_s: float | None = None) -> pa.Table: ...
    def stream(
        self, query_or_table: str, *, as_of: int | None = None, sql: bool = False, batch_rows: int = 65536
    ) -> pa.RecordBatchReader: ...


def queries(container: Any) -> Queries:
    if hasattr(container, "queries"):
        return container.queries()  # type: ignore[no-any-return]
    return _WorkbenchQueries(container.workbench())


class _WorkbenchQueries:
    """Reads through the workbench with LIMIT/OFFSET, for containers without a query service."""

    def __init__(self, workbench: Any) -> None:
        self.wb = workbench

    def tables(self) -> Any:
        return self.wb.tables()

    def schema(self, table: str, as_of: int | None = None) -> list[tuple[str, str]]:
        reader = self.wb.stream(f"SELECT * FROM {quote(table)} LIMIT 0", as_of=as_of)
        return [(f.name, str(f.type)) for f in reader.schema]

    def count(self, table: str, as_of: int | None = None) -> int:
        rows = self.wb.stream(f"SELECT count(*) FROM {quote(table)}", as_of=as_of).read_all()
        return int(rows.column(0)[0].as_py())

    def page(self, table: str, *, as_of=None, limit=100, offset=0, columns=None, order_by=None, descending=False):
        cols = ", ".join(quote(c) for c in columns) if columns else "*"
        order = f" ORDER BY {quote(order_by)}{' DESC' if descending else ''}" if order_by else ""
        query = f"SELECT {cols} FROM {quote(table)}{order} LIMIT {int(limit)} OFFSET {int(offset)}"
        return self.wb.stream(query, as_of=as_of).read_all()

    def sql(self, query: str, *, limit: int | None = None, timeout_s: float | None = None) -> pa.Table:
        reader = self.wb.stream(query)
        batches, rows = [], 0
        for batch in reader:
            batches.append(batch)
            rows += batch.num_rows
            if limit is not None and rows >= limit:
                break
        return pa.Table.from_batches(batches, reader.schema).slice(0, limit)

    def stream(self, query_or_table: str, *, as_of=None, sql=False, batch_rows=65536):
        return self.wb.stream(query_or_table, as_of=as_of, batch_rows=batch_rows)


def quote(name: str) -> str:
    """A table or column name as a quoted SQL identifier (`schema.table` keeps its dot)."""
    return ".".join('"' + part.replace('"', '""') + '"' for part in name.split("."))


def aggregate(container: Any, query: str, as_of: int | None = None) -> pa.Table:
    """A small result of our own SQL (a profile, a histogram), read at a snapshot."""
    return queries(container).stream(query, as_of=as_of, sql=True).read_all()
