"""The WebSocket feed and the Arrow Flight service of the tests, both serving the test API's items."""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.flight as fl

from tests.integration.sources.api import Api


@dataclass
class Feed:
    """How the WebSocket server behaves after sending the items."""

    complete: bool = True  # send {"type": "complete"} at the end
    repeat: bool = False  # keep sending items forever
    per_message: int = 1


def websocket_handler(api: Api, feed: Feed) -> Any:
    def handle(ws: Any) -> None:
        from websockets.exceptions import ConnectionClosed

        with contextlib.suppress(ConnectionClosed):
            stream(ws)

    def stream(ws: Any) -> None:
        subscribe = orjson.loads(ws.recv(timeout=10))
        if subscribe.get("type") != "subscribe":
            ws.send(orjson.dumps({"type": "error", "message": "subscribe first"}).decode())
            return
        ws.send(orjson.dumps({"type": "subscribed", "channel": subscribe.get("channel")}).decode())
        rows = api.select(subscribe.get("since"))
        while True:
            for i in range(0, len(rows), feed.per_message):
                ws.send(orjson.dumps({"type": "items", "data": rows[i : i + feed.per_message]}).decode())
            if not feed.repeat:
                break
            time.sleep(0.01)
        if feed.complete:
            ws.send(orjson.dumps({"type": "complete"}).decode())
        else:
            with contextlib.suppress(Exception):
                ws.recv(timeout=30)  # until the client hangs up

    return handle


class ItemsFlight(fl.FlightServerBase):
    """`do_get(b"items")` or a command `items since=<time>`; chunks of 10 rows."""

    def __init__(self, api: Api) -> None:
        super().__init__("grpc://127.0.0.1:0")
        self.api = api
        self.extra_total = 0

    def _table(self, text: str) -> pa.Table:
        name, _, since = text.partition(" since=")
        if name != "items":
            raise fl.FlightServerError(f"unknown dataset {name!r}")
        rows = self.api.select(since or None)
        table = pa.Table.from_pylist(rows)
        return (
            table.set_column(
                table.schema.get_field_index("updated_at"),
                "updated_at",
                pa.compute.strptime(table.column("updated_at"), "%Y-%m-%dT%H:%M:%SZ", "us", error_is_null=False),
            )
            if rows
            else table
        )

    def get_flight_info(self, context: Any, descriptor: fl.FlightDescriptor) -> fl.FlightInfo:
        table = self._table(descriptor.command.decode())
        endpoint = fl.FlightEndpoint(descriptor.command, [f"grpc://127.0.0.1:{self.port}"])
        return fl.FlightInfo(table.schema, descriptor, [endpoint], table.num_rows + self.extra_total, -1)

    def do_get(self, context: Any, ticket: fl.Ticket) -> fl.RecordBatchStream:
        table = self._table(ticket.ticket.decode())
        return fl.GeneratorStream(table.schema, iter(table.to_batches(max_chunksize=10)))
