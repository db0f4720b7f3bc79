"""Every error a Flight call meets becomes a Flight error here, once for the whole server.

The message is the error's sentence; `extra_info` carries its fields as JSON (code, kind, message, hint), so an
hpdp client raises the same error again. Only Flight's own error classes are raised: any other exception would
send the server's traceback to the client.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

import pyarrow.flight as flight

from hpdp.application.remote_errors import error_fields
from hpdp.domain.errors import ErrorKind, HpdpError, first_line, redact

log = logging.getLogger("hpdp.flight")
F = TypeVar("F", bound=Callable[..., Any])

# By code first (a status a Flight client knows), then by kind.
BY_CODE: dict[str, type[flight.FlightError]] = {
    "query_timeout": flight.FlightTimedOutError,
    "query_cancelled": flight.FlightCancelledError,
    "unauthenticated": flight.FlightUnauthenticatedError,
}
BY_KIND: dict[ErrorKind, type[flight.FlightError]] = {
    ErrorKind.INVALID_INPUT: flight.FlightServerError,
    ErrorKind.NOT_FOUND: flight.FlightServerError,
    ErrorKind.CONFLICT: flight.FlightServerError,
    ErrorKind.UNAVAILABLE: flight.FlightUnavailableError,
    ErrorKind.UNSUPPORTED: flight.FlightServerError,
    ErrorKind.FAILED_TASK: flight.FlightServerError,
}


def flight_error(exc: BaseException) -> flight.FlightError:
    if isinstance(exc, flight.FlightError):
        return exc
    if isinstance(exc, HpdpError):
        fields = error_fields(exc)
        kind = BY_CODE.get(exc.code) or BY_KIND[exc.kind]
        return kind(exc.sentence, extra_info=json.dumps(fields).encode())
    log.error("Flight call failed: %s", redact(f"{type(exc).__name__}: {first_line(exc)}"), exc_info=exc)
    fields = {"code": "internal", "kind": ErrorKind.FAILED_TASK.value, "message": "The server failed on this call."}
    return flight.FlightInternalError(fields["message"], extra_info=json.dumps(fields).encode())


def mapped(method: F) -> F:
    """A Flight handler whose errors leave as Flight errors."""

    @functools.wraps(method)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except Exception as exc:
            raise flight_error(exc) from None

    return call  # type: ignore[return-value]


def mapped_batches(batches: Iterable[Any]) -> Iterator[Any]:
    """The same batches; an error while streaming leaves as a Flight error too."""
    try:
        yield from batches
    except Exception as exc:
        raise flight_error(exc) from None
