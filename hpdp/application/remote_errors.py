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
    """The error the server reported: the class that has its code when it is of the same kind, else the class
    of its kind (unknown kinds count as invalid input), with its code."""
    try:
        kind = ErrorKind(fields.get("kind"))
    except ValueError:
        kind = ErrorKind.INVALID_INPUT
    message = str(fields.get("message") or fields.get("detail") or fields.get("title") or fallback)
    hint = fields.get("hint")
    code = str(fields["code"]) if fields.get("code") else None
    cls = _by_code().get(code or "", _BY_KIND[kind])
    if cls.kind is not kind:
        cls = _BY_KIND[kind]
    return cls(message, hint=str(hint) if hint else None, code=code)


def _by_code() -> dict[str, type[HpdpError]]:
    """Every error class by its code (the most specific class wins)."""
    found: dict[str, type[HpdpError]] = {}
    pending = [HpdpError]
    while pending:
        cls = pending.pop()
        found[cls.code] = cls
        pending.extend(cls.__subclasses__())
    return found
