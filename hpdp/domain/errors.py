"""The error contract: every error a user sees has a stable code, a plain message and an optional hint.

Messages name no interface (no CLI flags, no commands, no URLs of ours): each interface maps an error once,
the CLI to a sentence and an exit code, HTTP to a status and a problem body, Flight to a status.
"""

from __future__ import annotations

import re
from enum import Enum

_SECRET_IN_URL = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^:/@\s]*):(?P<secret>[^@/\s]+)@", re.I)
_SECRET_PAIR = re.compile(
    r"(?P<key>\b(?:password|passwd|pwd|token|secret|api[_-]?key)\s*[=:]\s*)(?P<value>'[^']*'|\S+)", re.I
)


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (its type name when it has none), for a one-sentence error."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def redact(text: str) -> str:
    """Text with the passwords of URLs and the values of `password=`/`token=` pairs masked."""
    text = _SECRET_IN_URL.sub(lambda m: f"{m['scheme']}{m['user']}:***@", text)
    return _SECRET_PAIR.sub(lambda m: f"{m['key']}***", text)


class ErrorKind(Enum):
    """The category of an error; interfaces map it to an exit code or a status."""

    INVALID_INPUT = "invalid_input"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    UNAVAILABLE = "unavailable"
    UNSUPPORTED = "unsupported"
    FAILED_TASK = "failed_task"


class HpdpError(Exception):
    """Base of every error hpdp reports: `code` is stable, `message` says what went wrong, `hint` what to do.

    `detail` keeps the underlying engine's full text for `--debug`; every field is redacted of secrets.
    """

    kind: ErrorKind = ErrorKind.INVALID_INPUT
    code: str = "invalid_input"

    def __init__(self, message: str, *, hint: str | None = None, code: str | None = None, detail: str | None = None):
        self.message = redact(message)
        self.hint = redact(hint) if hint else None
        if code is not None:
            self.code = code
        self.detail = redact(detail) if detail else None
        super().__init__(self.sentence)

    @property
    def sentence(self) -> str:
        """Message and hint as one text, for interfaces without separate fields."""
        if not self.hint:
            return self.message
        return f"{self.message.rstrip('.')}; {self.hint}"

    def but(self, message: str) -> HpdpError:
        """The same error (type, code, hint, detail) with another message."""
        return type(self)(message, hint=self.hint, code=self.code, detail=self.detail)


class InvalidInputError(HpdpError):
    """The user's input (arguments, SQL, a file, a setting) cannot be used as given."""

    kind, code = ErrorKind.INVALID_INPUT, "invalid_input"


class NotFoundError(HpdpError):
    kind, code = ErrorKind.NOT_FOUND, "not_found"


class ConflictError(HpdpError):
    """The operation lost a race or contradicts the current state; nothing was changed."""

    kind, code = ErrorKind.CONFLICT, "conflict"


class UnavailableError(HpdpError):
    """A server, file or folder hpdp needs cannot be reached or opened."""

    kind, code = ErrorKind.UNAVAILABLE, "unavailable"


class UnsupportedError(HpdpError):
    """The configured engine lacks a capability (for example snapshots)."""

    kind, code = ErrorKind.UNSUPPORTED, "unsupported"


class TaskFailedError(HpdpError):
    """A task ran and failed (a load, a run, a write); its effects were rolled back."""

    kind, code = ErrorKind.FAILED_TASK, "failed_task"


class ConfigError(InvalidInputError):
    code = "config_invalid"


class UnknownAdapterError(ConfigError):
    code = "config_unknown_engine"


class StoreUnavailableError(UnavailableError):
    code = "store_unavailable"


class SnapshotsUnsupportedError(UnsupportedError):
    """The configured engine keeps no snapshots, so there is no time travel."""

    code = "snapshots_unsupported"


class UnknownTableError(NotFoundError):
    code = "table_not_found"


class SnapshotNotFoundError(NotFoundError):
    code = "snapshot_not_found"


class QueryError(InvalidInputError):
    """A SQL statement failed to parse, bind or run."""

    code = "query_invalid"


class QueryCancelledError(HpdpError):
    kind, code = ErrorKind.FAILED_TASK, "query_cancelled"


class ReadOnlyStatementError(InvalidInputError):
    """A statement refused by a read-only store: it would change data, read files or change settings."""

    code = "read_only_statement"


class QueryTimeoutError(HpdpError):
    kind, code = ErrorKind.FAILED_TASK, "query_timeout"


class PortUnavailableError(UnavailableError):
    """A server cannot listen where it was asked to (the port is taken, or the address is not this machine's)."""

    code = "serve_port_unavailable"


class WriteError(TaskFailedError):
    """A write was refused or failed; the table is unchanged."""

    code = "write_failed"


class InvalidWriteError(WriteError, InvalidInputError):
    """A write was refused before it started: its mode or key cannot be used; the table is unchanged."""

    kind, code = ErrorKind.INVALID_INPUT, "write_invalid"


class WriteConflictError(ConflictError):
    code = "write_conflict"


class InputFileError(InvalidInputError):
    code = "input_file_invalid"
