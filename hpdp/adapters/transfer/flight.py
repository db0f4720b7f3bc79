"""The Flight transfer: tables and SQL results as Arrow streams, writes as one Arrow upload per commit."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import pyarrow as pa
import pyarrow.flight as fl

from hpdp.adapters.arrow import from_arrow, to_arrow
from hpdp.adapters.transfer.info import flight_url
from hpdp.application.remote_errors import error_from_fields
from hpdp.application.transfer import AbstractTransfer, TransferOptions
from hpdp.domain.errors import HpdpError, UnavailableError, first_line
from hpdp.domain.model import OutputFormat, TableInfo, WriteMode, WriteResult

T = TypeVar("T")


class FlightTransfer(AbstractTransfer):
    name = "flight"

    def __init__(self, options: TransferOptions) -> None:
        super().__init__(options)
        self.location = options.flight_url or flight_url(options)
        headers = [(b"authorization", f"Bearer {options.token}".encode())] if options.token else []
        self._client = fl.FlightClient(self.location)
        # Listing has a deadline; streams and uploads take as long as their data does.
        self._quick = fl.FlightCallOptions(headers=headers, timeout=options.timeout_s)
        self._long = fl.FlightCallOptions(headers=headers)

    def _tables(self) -> list[TableInfo]:
        infos = self._call(lambda: list(self._client.list_flights(b"", self._quick)))
        return [TableInfo(_path_name(info.descriptor), info.total_records) for info in infos]

    def _table(self, name: str, as_of: int | None) -> pa.Table:
        return self._get({"table": name, "as_of": as_of})

    def _sql(self, query: str) -> pa.Table:
        return self._get({"sql": query})

    def _get(self, ticket: dict[str, Any]) -> pa.Table:
        ticket_bytes = fl.Ticket(json.dumps(ticket).encode())
        return self._call(lambda: self._client.do_get(ticket_bytes, self._long).read_all())

    def _write(self, name: str, data: pa.Table, mode: WriteMode, keys: tuple[str, ...]) -> WriteResult:
        command = json.dumps({"table": name, "mode": mode.value, "key": list(keys)}).encode()

        def upload() -> dict[str, Any]:
            writer, answers = self._client.do_put(fl.FlightDescriptor.for_command(command), data.schema, self._long)
            with writer:
                writer.write_table(data)
                writer.done_writing()
                answer = answers.read()
            return json.loads(answer.to_pybytes()) if answer is not None else {}

        fields = self._call(upload)
        return WriteResult(name, mode, int(fields.get("rows_written", data.num_rows)), fields.get("snapshot"))

    def _arrow(self, data: Any) -> pa.Table:
        return to_arrow(data)

    def _present(self, data: pa.Table, format: OutputFormat) -> Any:
        return from_arrow(data, format)

    def _call(self, action: Callable[[], T]) -> T:
        """The server's own error again (its code and sentence), or one sentence when it cannot be reached."""
        try:
            return action()
        except fl.FlightError as exc:
            fields = _fields(exc.extra_info)
            if fields:
                raise error_from_fields(fields) from None
            raise self._unreachable(exc) from None
        except (pa.ArrowException, OSError) as exc:
            raise self._unreachable(exc) from None

    def _unreachable(self, exc: BaseException) -> HpdpError:
        text = first_line(exc).split(". Detail:")[0]
        return UnavailableError(f"Arrow Flight at {self.location} failed: {text}.", code="server_unreachable")

    def close(self) -> None:
        self._client.close()


def _path_name(descriptor: fl.FlightDescriptor) -> str:
    path = descriptor.path or [b""]
    return path[0].decode() if isinstance(path[0], bytes) else str(path[0])


def _fields(extra: bytes | None) -> dict[str, Any]:
    try:
        value = json.loads(extra or b"")
    except ValueError:
        return {}
    return value if isinstance(value, dict) and "code" in value else {}
