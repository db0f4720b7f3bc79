"""Turning results into terminal tables and files."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from hpdp.domain.errors import HpdpError

FORMATS = ("table", "csv", "json", "parquet")


def show_rows(headers: list[str], rows: list[list[Any]], title: str | None = None, footer: str | None = None) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_lines=False)
    for h in headers:
        table.add_column(h, overflow="fold")
    for row in rows:
        table.add_row(*["NULL" if v is None else str(v) for v in row])
    console = Console(soft_wrap=False)
    console.print(table)
    if footer:
        console.print(footer, highlight=False)


def show_arrow(result: Any, limit: int) -> None:
    shown = result.slice(0, limit)
    headers = [f"{f.name}\n{f.type}" for f in result.schema]
    rows = [list(r.values()) for r in shown.to_pylist()]
    more = f", first {limit} shown" if result.num_rows > limit else ""
    show_rows(headers, rows, footer=f"{result.num_rows} rows × {result.num_columns} columns{more}")


STREAMED = ("csv", "parquet")  # formats written batch by batch to a file, so no result is held whole


def export_stream(reader: Any, fmt: str, output: Path) -> int:
    """Write a pyarrow.RecordBatchReader to a file batch by batch; the file appears only when complete.
    Returns the rows written."""
    partial = output.with_name(f".{output.name}.partial")
    rows = 0
    try:
        if fmt == "parquet":
            import pyarrow.parquet as pq

            with pq.ParquetWriter(partial, reader.schema) as writer:
                for batch in reader:
                    writer.write_batch(batch)
                    rows += batch.num_rows
        else:
            import polars as pl

            with partial.open("w", newline="") as file:
                header = True
                for batch in reader:
                    frame = pl.from_arrow(batch)
                    assert isinstance(frame, pl.DataFrame)
                    file.write(frame.write_csv(include_header=header))
                    header, rows = False, rows + batch.num_rows
                if header:  # an empty result still gets its header line
                    empty = pl.from_arrow(reader.schema.empty_table())
                    assert isinstance(empty, pl.DataFrame)
                    file.write(empty.write_csv())
        partial.replace(output)
    finally:
        reader.close()
        partial.unlink(missing_ok=True)
    return rows


def export(result: Any, fmt: str, output: Path | None) -> None:
    """Write a result as csv/json/parquet to a file or stdout."""
    if fmt not in FORMATS:
        raise HpdpError(f"Unknown format {fmt!r}; use one of: {', '.join(FORMATS)}.")
    if fmt == "parquet":
        if output is None:
            raise HpdpError("Parquet output needs a file: add --output FILE.parquet.")
        import pyarrow.parquet as pq

        pq.write_table(result, output)
        return
    import polars as pl

    frame = pl.from_arrow(result)
    assert isinstance(frame, pl.DataFrame)
    text = frame.write_csv() if fmt == "csv" else frame.write_json()
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        output.write_text(text)
