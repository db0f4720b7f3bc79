"""What a Flight call asks for, read from its descriptor or ticket.

Reads: `FlightDescriptor.for_path(table)` or `for_path(table, as_of)`; `for_command(sql)` for read-only SQL;
a ticket is the JSON this server hands out (`{"table": ..., "as_of": ...}` or `{"sql": ...}`), or a bare table
name or SQL text. Writes: `for_command('{"table": ..., "mode": ..., "key": [...]}')` or
`for_path(table[, mode[, key...]])`; the mode is append unless named.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pyarrow.flight as flight

from hpdp.application.store_ports import is_table_name
from hpdp.domain.errors import InvalidInputError


@dataclass(frozen=True)
class Read:
    table: str | None = None
    sql: str | None = None
    as_of: int | None = None

    def ticket(self) -> flight.Ticket:
        fields = {"sql": self.sql} if self.sql is not None else {"table": self.table, "as_of": self.as_of}
        return flight.Ticket(json.dumps(fields).encode())


@dataclass(frozen=True)
class Write:
    table: str
    mode: str = "append"
    key: tuple[str, ...] = ()


def read_of_descriptor(descriptor: flight.FlightDescriptor) -> Read:
    if descriptor.descriptor_type == flight.DescriptorType.PATH:
        path = [_text(part) for part in descriptor.path or []]
        if not 1 <= len(path) <= 2:
            raise InvalidInputError("A Flight path names a table, optionally followed by a snapshot id.")
        return Read(table=path[0], as_of=_as_of(path[1]) if len(path) == 2 else None)
    return _read_of_text(_text(descriptor.command))


def read_of_ticket(ticket: flight.Ticket) -> Read:
    return _read_of_text(_text(ticket.ticket))


def write_of_descriptor(descriptor: flight.FlightDescriptor) -> Write:
    if descriptor.descriptor_type == flight.DescriptorType.PATH:
        path = [_text(part) for part in descriptor.path or []]
        if not path:
            raise InvalidInputError("A Flight path for a write names the table.")
        return Write(path[0], path[1] if len(path) > 1 else "append", tuple(path[2:]))
    fields = _json_object(_text(descriptor.command))
    if fields is None or not isinstance(fields.get("table"), str):
        raise InvalidInputError('A write command is JSON such as {"table": "t", "mode": "merge", "key": ["id"]}.')
    key = fields.get("key") or ()
    key = (key,) if isinstance(key, str) else key
    if not isinstance(key, list | tuple) or not all(isinstance(k, str) for k in key):
        raise InvalidInputError("A write's key is a column name or a list of column names.")
    return Write(fields["table"], str(fields.get("mode") or "append"), tuple(key))


def _read_of_text(text: str) -> Read:
    fields = _json_object(text)
    if fields is None:
        return Read(table=text.strip()) if is_table_name(text) else Read(sql=text)
    if isinstance(fields.get("sql"), str):
        return Read(sql=fields["sql"])
    if isinstance(fields.get("table"), str):
        return Read(table=fields["table"], as_of=_as_of(fields.get("as_of")))
    raise InvalidInputError('A Flight ticket is JSON with a "table" (and an optional "as_of") or a "sql" query.')


def _json_object(text: str) -> dict[str, Any] | None:
    if not text.lstrip().startswith("{"):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        raise InvalidInputError("The Flight command is not valid JSON.") from None
    return value if isinstance(value, dict) else None


def _as_of(value: Any) -> int | None:
    if value is None:
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if isinstance(value, bool | float) or number < 0:
        raise InvalidInputError(f"A snapshot is a whole number of 0 or more, not {value!r}.")
    return number


def _text(raw: bytes | str | None) -> str:
    if raw is None:
        return ""
    try:
        return raw.decode() if isinstance(raw, bytes) else raw
    except UnicodeDecodeError:
        raise InvalidInputError("A Flight descriptor or ticket must be UTF-8 text.") from None
