"""Tables: list, schema, pages (JSON or Arrow), snapshots, and atomic writes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from hpdp.presentation.web import shapes
from hpdp.presentation.web.rest import data
from hpdp.presentation.web.rest.deps import container

router = APIRouter(tags=["tables"])

DEFAULT_PAGE = 100


@router.get("/tables")
def list_tables(request: Request) -> list[dict[str, Any]]:
    """Every table with its row count."""
    return [shapes.table(t) for t in container(request).queries().tables()]


@router.get(
    "/tables/{name}",
    responses={200: {"content": {data.ARROW_STREAM: {}}, "description": "A page as JSON, or Arrow by Accept"}},
)
def read_table(
    request: Request,
    name: str,
    as_of: Annotated[int | None, Query(description="snapshot to read")] = None,
    limit: Annotated[int | None, Query(ge=0, description="rows (default 100; Arrow: all)")] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    columns: Annotated[str | None, Query(description="comma-separated column names")] = None,
    order_by: Annotated[str | None, Query(description="column to sort by")] = None,
    descending: bool = False,
) -> Response:
    """A page of rows, `{"columns", "rows", "total", "limit", "offset"}`; with `Accept:
    application/vnd.apache.arrow.stream` an Arrow IPC stream (the whole table, batch by batch, when no
    limit, offset, columns or order is given)."""
    queries = container(request).queries()
    cols = data.columns_of(columns)
    if data.wants_arrow(request):
        whole = limit is None and offset == 0 and cols is None and order_by is None
        if whole:
            return data.arrow(queries.stream(name, as_of=as_of))
    size = DEFAULT_PAGE if limit is None else limit
    rows = queries.page(
        name, as_of=as_of, limit=size, offset=offset, columns=cols, order_by=order_by, descending=descending
    )
    if data.wants_arrow(request):
        return data.arrow_table(rows)
    total = queries.count(name, as_of=as_of)
    return data.page(rows, total=total, limit=size, offset=offset)


@router.get("/tables/{name}/schema")
def table_schema(request: Request, name: str, as_of: int | None = None) -> dict[str, Any]:
    """Column names and types."""
    columns = container(request).queries().schema(name, as_of=as_of)
    return {"table": name, "columns": [{"name": n, "type": t} for n, t in columns]}


@router.post("/tables/{name}", openapi_extra={"requestBody": {"content": {
    data.ARROW_STREAM: {"schema": {"type": "string", "format": "binary"}},
    "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
}, "required": True}})  # fmt: skip
async def write_table(
    request: Request,
    name: str,
    mode: Annotated[str, Query(description="append, replace or merge")] = "append",
    key: Annotated[str | None, Query(description="merge key columns, comma-separated")] = None,
) -> Response:
    """Write an Arrow IPC stream (or JSON rows) to a table as one atomic commit (one snapshot)."""
    from starlette.concurrency import run_in_threadpool

    body = await request.body()
    content_type = request.headers.get("content-type", "")
    hp = container(request).workbench()

    def write() -> dict[str, Any]:
        table = data.table_from_body(body, content_type)
        return shapes.written(hp.write(name, table, mode, data.columns_of(key)))

    return data.DataResponse(await run_in_threadpool(write), status_code=201)


@router.get("/snapshots", tags=["snapshots"])
def list_snapshots(request: Request, table: str | None = None) -> list[dict[str, Any]]:
    """The store's snapshots (one per write), or those that changed `table`."""
    return [shapes.snapshot(s) for s in container(request).workbench().snapshots(table)]
