"""DuckDB file: every table in one DuckDB database file (one writing process at a time)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from hpdp.adapters.stores.base import CATALOG, DuckDBEngineStore, literal
from hpdp.domain.errors import StoreUnavailableError


class DuckDBFileStore(DuckDBEngineStore):
    engine = "duckdb"

    def _path(self) -> Path:
        url = self.options.url
        if url:
            return Path(url.removeprefix("duckdb:///").removeprefix("duckdb://"))
        return self.options.home / "store.duckdb"

    def _attach(self) -> None:
        path = self._path()
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._con.execute(f"ATTACH {literal(str(path))} AS {CATALOG}")
        except duckdb.IOException as exc:
            raise StoreUnavailableError(
                f"Could not open {path}: another process holds it ({str(exc).splitlines()[0]}); "
                "close it or use HPDP_DB_ENGINE=ducklake for several processes."
            ) from None
