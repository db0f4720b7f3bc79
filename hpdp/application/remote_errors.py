"""An HpdpError as plain fields and back: servers send them, remote workbenches raise the same error again."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hpdp.domain.errors import (
    ConflictError,
    ErrorKind,
    HpdpError,
    InvalidInputError,
    NotFoundError,
    TaskFailedError,
    UnavailableError,
    UnsupportedError,
)

_BY_KIND: dict[ErrorKind, type[HpdpError]] = {
    ErrorKind.INVALID_INPUT: InvalidInputError,
    ErrorKind.NOT_FOUND: NotFoundError,
    ErrorKind.CONFLICT: ConflictError,
    ErrorKind.UNAVAILABLE: UnavailableError,
    ErrorKind.UNSUPPORTED: UnsupportedError,
    ErrorKind.FAILED_TASK: TaskFailedError,
}


def error_fields(exc: HpdpError) -> dict[str, str]:
    """The fields a client needs to raise the error again (the detail stays on the server, for its log)."""
    fields = {"code": exc.code, "kind": exc.kind.value, "message": exc.message}
    if exc.hint:
        fields["hint"] = exc.hint
    return fields


def error_from_fields(fields: Mapping[str, Any], fallback: str = "The server refused the request.") -> HpdpError:
    """The error the server reported, of its kind and with its code; unknown kinds count as invalid input."""
    try:
        kind = ErrorKind(fields.get("kind"))
    except ValueError:
        kind = ErrorKind.INVALID_INPUT
    message = str(fields.get("message") or fields.get("detail") or fields.get("title") or fallback)
    hint = fields.get("hint")
    code = fields.get("code")
    return _BY_KIND[kind](message, hint=str(hint) if hint else None, code=str(code) if code else None)
