"""SQLite: tables live in one SQLite file, attached to DuckDB through the sqlite extension."""

from __future__ import annotations

from pathlib import Path

from hpdp.adapters.stores.base import CATALOG, DuckDBEngineStore, literal
from hpdp.application.store_ports import SupportsReadOnly


class SQLiteStore(DuckDBEngineStore, SupportsReadOnly):
    engine = "sqlite"
    named_schemas = False  # a SQLite database has the one schema "main"
    extensions_needed = ("sqlite",)

    def _path(self) -> Path:
        url = self.options.url
        if url:
            return Path(url.removeprefix("sqlite:///").removeprefix("sqlite://"))
        return self.options.home / "store.sqlite"

    def _attach(self) -> None:
        path = self._path()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._con.execute(f"ATTACH {literal(str(path))} AS {CATALOG} (TYPE sqlite{self._read_only_option()})")

    def read_only(self) -> SQLiteStore:
        return self._reopen_read_only()  # type: ignore[return-value]

    def _own_paths(self) -> list[Path | str]:
        return [self._path()]
