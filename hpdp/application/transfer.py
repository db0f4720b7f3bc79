"""The transfer port: a workbench on a remote hpdp server, its data moved as Arrow Flight or JSON over HTTP.

`hpdp.connect(url)` returns one: `.tables()`, `.table(name)`, `.sql(query)` and `.write(name, data)` answer as
the local Workbench does (Polars, Pandas or Arrow by `format`). The public methods validate and convert; each
adapter moves Arrow tables in its underscore hooks.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hpdp.domain.errors import InvalidInputError
from hpdp.domain.model import OutputFormat, TableInfo, WriteMode, WriteResult, merge_keys, table_name

if TYPE_CHECKING:
    import pyarrow as pa


@dataclass(frozen=True)
class TransferOptions:
    """What every transfer factory receives: the server's HTTP URL, its token and the result type."""

    url: str
    token: str | None = None
    flight_url: str | None = None
    output_format: str = OutputFormat.POLARS
    timeout_s: float = 60.0


def output_format(value: str | OutputFormat) -> OutputFormat:
    try:
        return OutputFormat(value)
    except ValueError:
        accepted = ", ".join(f.value for f in OutputFormat)
        raise InvalidInputError(f"Unknown result format {value!r}; use one of: {accepted}.") from None


class AbstractTransfer(ABC):
    """A remote workbench; use it in a `with` block or call `close()`."""

    name: str = ""

    def __init__(self, options: TransferOptions) -> None:
        self.options = options
        self.output_format = output_format(options.output_format)

    def tables(self) -> list[TableInfo]:
        return self._tables()

    def table(self, name: str, *, as_of: int | None = None, format: str | None = None) -> Any:
        if as_of is not None and (isinstance(as_of, bool) or not isinstance(as_of, int) or as_of < 0):
            raise InvalidInputError(f"A snapshot is a whole number of 0 or more, not {as_of!r}.")
        fmt = output_format(format or self.output_format)
        return self._present(self._table(table_name(name), as_of), fmt)

    def sql(self, query: str, *, format: str | None = None) -> Any:
        if not query.strip():
            raise InvalidInputError("The query is empty; give a SQL statement.")
        fmt = output_format(format or self.output_format)
        return self._present(self._sql(query), fmt)

    def write(
        self, name: str, data: Any, mode: str | WriteMode = WriteMode.APPEND, key: str | Sequence[str] | None = None
    ) -> WriteResult:
        """One atomic commit on the server: append (default), replace, or merge on `key`."""
        parsed = WriteMode.parse(mode)
        keys = merge_keys(parsed, list(key) if key is not None and not isinstance(key, str) else key)
        return self._write(table_name(name), self._arrow(data), parsed, keys)

    @abstractmethod
    def _tables(self) -> list[TableInfo]: ...

    @abstractmethod
    def _table(self, name: str, as_of: int | None) -> pa.Table: ...

    @abstractmethod
    def _sql(self, query: str) -> pa.Table: ...

    @abstractmethod
    def _write(self, name: str, data: pa.Table, mode: WriteMode, keys: tuple[str, ...]) -> WriteResult: ...

    @abstractmethod
    def _arrow(self, data: Any) -> pa.Table:
        """Polars, Pandas, Arrow or plain Python data as one Arrow table."""

    @abstractmethod
    def _present(self, data: pa.Table, format: OutputFormat) -> Any:
        """An Arrow table in the requested result type."""

    def close(self) -> None:  # noqa: B027 - adapters without a connection of their own have nothing to end
        """End the connection to the server."""

    def __enter__(self) -> AbstractTransfer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<hpdp remote workbench {self.options.url} transfer={self.name}>"
