"""A small stand-in for hpdp's HTTP API, as the transfer adapters expect it, served by uvicorn on a free port."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pyarrow as pa
import uvicorn
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from hpdp.application.remote_errors import error_fields
from hpdp.domain.errors import HpdpError

ARROW = "application/vnd.apache.arrow.stream"
STATUS = {"invalid_input": 400, "not_found": 404, "conflict": 409, "unavailable": 503, "unsupported": 501}


def ipc(table: pa.Table) -> Response:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return Response(sink.getvalue().to_pybytes(), media_type=ARROW)


def rows(table: pa.Table, total: int) -> dict[str, Any]:
    columns = table.to_pydict()
    return {
        "columns": table.column_names,
        "rows": [list(r) for r in zip(*columns.values(), strict=True)],
        "total": total,
    }


def build(container: Any, flight_port: int | None, arrow: bool) -> FastAPI:
    """`arrow=False`: a server that answers JSON only (so the adapter pages)."""
    app = FastAPI()
    queries = container.queries()

    @app.exception_handler(HpdpError)
    def _problem(request: Request, exc: HpdpError) -> JSONResponse:
        return JSONResponse(error_fields(exc), status_code=STATUS.get(exc.kind.value, 500))

    @app.get("/api/v1/info")
    def info() -> dict[str, Any]:
        return {"version": "test", "flight_port": flight_port}

    @app.get("/api/v1/tables")
    def tables() -> dict[str, Any]:
        return {"tables": [{"name": t.name, "rows": t.rows} for t in queries.tables()]}

    @app.get("/api/v1/tables/{name}")
    def table(name: str, request: Request, as_of: int | None = None, limit: int = 2, offset: int = 0) -> Any:
        if arrow and ARROW in request.headers.get("accept", ""):
            return ipc(queries.stream(name, as_of=as_of).read_all())
        page = queries.page(name, as_of=as_of, limit=limit, offset=offset, order_by="id")
        return rows(page, queries.count(name, as_of=as_of))

    @app.post("/api/v1/sql")
    async def sql(request: Request) -> Any:
        result = queries.sql((await request.json())["sql"])
        return ipc(result) if arrow else rows(result, result.num_rows)

    @app.post("/api/v1/tables/{name}")
    async def write(name: str, request: Request, mode: str = "append") -> dict[str, Any]:
        data = pa.ipc.open_stream(await request.body()).read_all()
        result = container.workbench().write(name, data, mode, request.query_params.getlist("key") or None)
        return {"table": result.table, "mode": result.mode.value, "rows_written": result.rows_written}

    return app


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:  # the condition uvicorn sets once it accepts connections
        if not thread.is_alive():
            raise RuntimeError("the HTTP stub did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join()
        sock.close()
