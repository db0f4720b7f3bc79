"""The JSON transfer: the server's HTTP API (httpx), asking for Arrow IPC bodies and reading JSON pages too.

`GET /api/v1/tables`, `GET /api/v1/tables/{name}?as_of=&limit=&offset=` (Arrow IPC stream, or JSON
`{"columns", "rows", "total"}` read page by page), `POST /api/v1/sql` with `{"sql": ...}`, and
`POST /api/v1/tables/{name}?mode=&key=` with an Arrow IPC body to write in one commit.
"""

from __future__ import annotations

from typing import Any

import httpx
import pyarrow as pa

from hpdp.adapters.arrow import from_arrow, to_arrow
from hpdp.adapters.transfer.info import auth_headers
from hpdp.application.remote_errors import error_from_fields
from hpdp.application.transfer import AbstractTransfer, TransferOptions
from hpdp.domain.errors import UnavailableError, first_line
from hpdp.domain.model import OutputFormat, TableInfo, WriteMode, WriteResult

ARROW_STREAM = "application/vnd.apache.arrow.stream"
ACCEPT = f"{ARROW_STREAM}, application/json;q=0.5"
PAGE_ROWS = 10_000
API = "/api/v1"
# The kind of an error whose body names none.
STATUS_KINDS = {
    400: "invalid_input",
    401: "invalid_input",
    403: "invalid_input",
    404: "not_found",
    409: "conflict",
    422: "invalid_input",
    501: "unsupported",
    503: "unavailable",
}


class JsonTransfer(AbstractTransfer):
    name = "json"

    def __init__(self, options: TransferOptions) -> None:
        super().__init__(options)
        self._http = httpx.Client(
            base_url=options.url.rstrip("/") + API, headers=auth_headers(options), timeout=options.timeout_s
        )

    def _tables(self) -> list[TableInfo]:
        body = self._json(self._send("GET", "/tables"))
        items = body.get("tables", []) if isinstance(body, dict) else body
        return [TableInfo(str(t["name"]), -1 if t.get("rows") is None else int(t["rows"])) for t in items]

    def _table(self, name: str, as_of: int | None) -> pa.Table:
        params: dict[str, Any] = {} if as_of is None else {"as_of": as_of}
        first = self._send("GET", f"/tables/{name}", params=params, headers={"Accept": ACCEPT})
        if _is_arrow(first):
            return _ipc(first.content)
        pages, offset = [], 0
        body = self._json(first)
        while True:  # the server answered in JSON pages
            page = _json_table(body)
            pages.append(page)
            offset += page.num_rows
            total = body.get("total")
            if page.num_rows == 0 or (isinstance(total, int) and offset >= total):
                break
            query = {**params, "limit": PAGE_ROWS, "offset": offset}
            body = self._json(
                self._send("GET", f"/tables/{name}", params=query, headers={"Accept": "application/json"})
            )
        return pa.concat_tables(pages) if len(pages) > 1 else pages[0]

    def _sql(self, query: str) -> pa.Table:
        response = self._send("POST", "/sql", json={"sql": query}, headers={"Accept": ACCEPT})
        return _ipc(response.content) if _is_arrow(response) else _json_table(self._json(response))

    def _write(self, name: str, data: pa.Table, mode: WriteMode, keys: tuple[str, ...]) -> WriteResult:
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, data.schema) as writer:
            writer.write_table(data)
        params: list[tuple[str, str]] = [("mode", mode.value), *(("key", k) for k in keys)]
        response = self._send(
            "POST",
            f"/tables/{name}",
            params=params,
            content=sink.getvalue().to_pybytes(),
            headers={"Content-Type": ARROW_STREAM, "Accept": "application/json"},
        )
        body = self._json(response)
        rows = body.get("rows_written", data.num_rows) if isinstance(body, dict) else data.num_rows
        snapshot = body.get("snapshot") if isinstance(body, dict) else None
        return WriteResult(name, mode, int(rows), snapshot)

    def _arrow(self, data: Any) -> pa.Table:
        return to_arrow(data)

    def _present(self, data: pa.Table, format: OutputFormat) -> Any:
        return from_arrow(data, format)

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise UnavailableError(
                f"Cannot reach the hpdp server at {self.options.url}: {first_line(exc)}.", code="server_unreachable"
            ) from None
        if response.is_error:
            try:
                fields = response.json()
            except ValueError:
                fields = {}
            fields = fields if isinstance(fields, dict) else {}
            fields.setdefault("kind", STATUS_KINDS.get(response.status_code, "failed_task"))
            fallback = f"The server answered {response.status_code} to {method} {API}{path}."
            raise error_from_fields(fields, fallback)
        return response

    def _json(self, response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            raise UnavailableError(f"The server at {self.options.url} answered something other than JSON.") from None

    def close(self) -> None:
        self._http.close()


def _is_arrow(response: httpx.Response) -> bool:
    return response.headers.get("content-type", "").split(";")[0].strip() == ARROW_STREAM


def _ipc(body: bytes) -> pa.Table:
    return pa.ipc.open_stream(body).read_all()


def _json_table(body: Any) -> pa.Table:
    """`{"columns": [...], "rows": [[...]]}`; a column is a name or `{"name": ...}`."""
    columns = [c["name"] if isinstance(c, dict) else str(c) for c in body.get("columns", [])]
    rows = body.get("rows", [])
    return pa.table({name: [row[i] for row in rows] for i, name in enumerate(columns)})
