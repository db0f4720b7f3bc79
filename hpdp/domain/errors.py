"""Errors the user sees: each carries one sentence saying what went wrong and what to do."""


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (its type name when it has none), for a one-sentence error."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class HpdpError(Exception):
    """Base of every error hpdp reports to a user as one clear sentence."""


class ConfigError(HpdpError):
    """A setting has a value hpdp cannot use."""


class UnknownAdapterError(ConfigError):
    """A configured engine name is not registered."""


class StoreUnavailableError(HpdpError):
    """The store cannot be opened (server down, folder not writable, ...)."""


class UnknownTableError(HpdpError):
    """A table named by the user does not exist."""


class QueryError(HpdpError):
    """A SQL statement failed to parse, bind or run."""


class WriteError(HpdpError):
    """A write was refused or failed; the table is unchanged."""


class UnsupportedError(HpdpError):
    """The configured engine lacks a capability (for example snapshots)."""


class InputFileError(HpdpError):
    """An input file is missing or does not parse."""
