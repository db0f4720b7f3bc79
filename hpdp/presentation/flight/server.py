"""The Flight server: one container for the server's life, one store session per call.

Reads go through the read-only query service and stream batch by batch (a table is never held whole);
a write reads the uploaded batches into one table and commits it once, so readers see all of it or none.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.flight as flight

from hpdp.application.exposure import check_exposure
from hpdp.domain.errors import PortUnavailableError, first_line
from hpdp.presentation.flight.auth import BearerAuthFactory
from hpdp.presentation.flight.errors import mapped, mapped_batches
from hpdp.presentation.flight.requests import Read, read_of_descriptor, read_of_ticket, write_of_descriptor

if TYPE_CHECKING:
    from hpdp.infrastructure.container import Container

BATCH_ROWS = 65_536


class HpdpFlightServer(flight.FlightServerBase):
    """Listening from construction; `serve()` blocks until `shutdown()` or a signal."""

    def __init__(self, container: Container, location: str, token: str | None = None) -> None:
        middleware = {"auth": BearerAuthFactory(token)} if token else {}
        super().__init__(location, middleware=middleware)
        self.container = container

    # -- reads ------------------------------------------------------------------------------------
    @mapped
    def list_flights(self, context: flight.ServerCallContext, criteria: bytes) -> list[flight.FlightInfo]:
        queries = self.container.queries()
        return [self._info(Read(table=t.name), _path(t.name), t.rows) for t in queries.tables()]

    @mapped
    def get_flight_info(self, context: flight.ServerCallContext, descriptor: flight.FlightDescriptor) -> Any:
        read = read_of_descriptor(descriptor)
        rows = self.container.queries().count(read.table, as_of=read.as_of) if read.table else -1
        return self._info(read, descriptor, rows)

    @mapped
    def get_schema(self, context: flight.ServerCallContext, descriptor: flight.FlightDescriptor) -> Any:
        return flight.SchemaResult(self._schema(read_of_descriptor(descriptor)))

    @mapped
    def do_get(self, context: flight.ServerCallContext, ticket: flight.Ticket) -> flight.GeneratorStream:
        reader = self._reader(read_of_ticket(ticket))
        return flight.GeneratorStream(reader.schema, mapped_batches(_batches(reader)))

    def _info(self, read: Read, descriptor: flight.FlightDescriptor, rows: int) -> flight.FlightInfo:
        endpoint = flight.FlightEndpoint(read.ticket(), [])  # no location: fetch from this server
        return flight.FlightInfo(self._schema(read), descriptor, [endpoint], rows, -1)

    def _schema(self, read: Read) -> pa.Schema:
        reader = self._reader(read)
        try:
            return reader.schema
        finally:
            reader.close()

    def _reader(self, read: Read) -> pa.RecordBatchReader:
        queries = self.container.queries()
        if read.sql is not None:
            return queries.stream(read.sql, sql=True, batch_rows=BATCH_ROWS)
        return queries.stream(read.table, as_of=read.as_of, batch_rows=BATCH_ROWS)

    # -- writes -----------------------------------------------------------------------------------
    @mapped
    def do_put(
        self,
        context: flight.ServerCallContext,
        descriptor: flight.FlightDescriptor,
        reader: flight.MetadataRecordBatchReader,
        writer: flight.FlightMetadataWriter,
    ) -> None:
        write = write_of_descriptor(descriptor)
        data = reader.read_all()  # every batch first: the write is one commit
        result = self.container.workbench().write(write.table, data, write.mode, list(write.key) or None)
        fields = {"table": result.table, "mode": result.mode.value, "rows_written": result.rows_written}
        writer.write(pa.py_buffer(json.dumps({**fields, "snapshot": result.snapshot}).encode()))


def _batches(reader: pa.RecordBatchReader) -> Iterator[pa.RecordBatch]:
    try:
        yield from reader
    finally:
        reader.close()  # ends the call's store session, also when the client stops early


def _path(name: str) -> flight.FlightDescriptor:
    return flight.FlightDescriptor.for_path(name)


def serve_flight(
    container: Container, host: str = "127.0.0.1", port: int = 8815, token: str | None = None
) -> HpdpFlightServer:
    """A Flight server listening on host:port (port 0: a free one, see `.port`); call `.serve()` to block
    until `.shutdown()` (from another thread) or Ctrl-C, or run `.serve` in a thread beside another server."""
    check_exposure(host, token)
    address = f"[{host.strip('[]')}]" if ":" in host else host
    try:
        return HpdpFlightServer(container, f"grpc+tcp://{address}:{port}", token or None)
    except (pa.ArrowException, OSError) as exc:
        raise PortUnavailableError(
            f"Cannot serve Arrow Flight on {host}:{port}: {first_line(exc)}",
            hint="choose another port or stop the program that holds it.",
        ) from None
