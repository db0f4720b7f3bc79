"""Rows out and in: JSON pages or Arrow IPC streams (by the Accept header), and bodies to Arrow tables."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

from starlette.responses import Response, StreamingResponse

from hpdp.domain.errors import InvalidInputError

if TYPE_CHECKING:
    import pyarrow as pa
    from starlette.requests import Request

ARROW_STREAM = "application/vnd.apache.arrow.stream"


def wants_arrow(request: Request) -> bool:
    return ARROW_STREAM in request.headers.get("accept", "")


def columns_of(text: str | None) -> list[str] | None:
    names = [c.strip() for c in (text or "").split(",") if c.strip()]
    return names or None


# -- out: JSON ---------------------------------------------------------------------------------------------
class DataResponse(Response):
    """JSON that carries dates, decimals and bytes (as ISO text, numbers and base64)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return json.dumps(content, default=_plain, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def rows_of(table: pa.Table) -> tuple[list[str], list[list[Any]]]:
    """Column names and rows as lists (NaN and infinities become null: JSON has neither)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    values = []
    for column in table.columns:
        if pa.types.is_floating(column.type):
            column = pc.if_else(pc.is_finite(column), column, pa.scalar(None, column.type))
        values.append(column.to_pylist())
    return table.column_names, [list(row) for row in zip(*values, strict=True)]


def page(table: pa.Table, **fields: Any) -> DataResponse:
    names, rows = rows_of(table)
    return DataResponse({"columns": names, "rows": rows, **fields})


# -- out: Arrow --------------------------------------------------------------------------------------------
class _Chunks:
    """A file for pyarrow's IPC writer that hands out what was written since the last take."""

    closed = False

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: Any) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True

    def take(self) -> bytes:
        out = b"".join(self.parts)
        self.parts.clear()
        return out


def arrow(reader: pa.RecordBatchReader) -> Response:
    """An Arrow IPC stream sent batch by batch as the reader yields them. The first batch is read before the
    answer starts, so an error in the query is still a problem response, not a broken stream."""
    import pyarrow as pa

    batches = iter(reader)
    try:
        first = next(batches, None)
    except BaseException:
        reader.close()
        raise

    def body() -> Iterator[bytes]:
        sink = _Chunks()
        try:
            with pa.ipc.new_stream(sink, reader.schema) as writer:
                if first is not None:
                    writer.write_batch(first)
                    yield sink.take()
                for batch in batches:
                    writer.write_batch(batch)
                    yield sink.take()
            yield sink.take()
        finally:
            reader.close()

    return StreamingResponse(body(), media_type=ARROW_STREAM)


def arrow_table(table: pa.Table) -> Response:
    import pyarrow as pa

    return arrow(pa.RecordBatchReader.from_batches(table.schema, table.to_batches()))


# -- in ----------------------------------------------------------------------------------------------------
def table_from_body(body: bytes, content_type: str) -> pa.Table:
    """An Arrow IPC stream, or JSON: a list of objects, or {"columns": [...], "rows": [[...]]}."""
    import pyarrow as pa

    if not body:
        raise InvalidInputError("The body is empty; send an Arrow IPC stream or JSON rows.", code="body_empty")
    if ARROW_STREAM in content_type:
        try:
            return pa.ipc.open_stream(body).read_all()
        except (pa.ArrowException, OSError) as exc:
            raise InvalidInputError(
                f"The body is not a readable Arrow IPC stream ({str(exc).splitlines()[0]}).", code="body_invalid"
            ) from None
    try:
        data = json.loads(body)
    except ValueError:
        raise InvalidInputError(
            "The body is neither JSON nor an Arrow IPC stream; set Content-Type for Arrow.", code="body_invalid"
        ) from None
    try:
        if isinstance(data, list) and all(isinstance(r, dict) for r in data):
            return pa.Table.from_pylist(data)
        if isinstance(data, dict) and isinstance(data.get("columns"), list) and isinstance(data.get("rows"), list):
            names = [str(n) for n in data["columns"]]
            if any(not isinstance(r, list) or len(r) != len(names) for r in data["rows"]):
                raise InvalidInputError(f"Every row must be a list of {len(names)} values, one per column.")
            return pa.Table.from_pylist([dict(zip(names, r, strict=True)) for r in data["rows"]])
    except (pa.ArrowException, TypeError, ValueError, OverflowError) as exc:
        reason = str(exc).splitlines()[0]
        raise InvalidInputError(f"The rows cannot form a table: {reason}.", code="body_invalid") from None
    raise InvalidInputError(
        'JSON rows are a list of objects or {"columns": [...], "rows": [[...]]}.', code="body_invalid"
    )
