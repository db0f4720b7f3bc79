"""A store: the DuckDB file engine opened read-only, so that any number of processes can serve one file.

Group `hpdp.stores`; the entry point names a class built like the built-in stores, with `StoreOptions`.
Select it with `HPDP_DB_ENGINE=duckdb_readonly` (and `HPDP_DB_URL=duckdb:///path/to/store.duckdb`).
"""

from __future__ import annotations

from hpdp.adapters.stores.duckdb_file import DuckDBFileStore
from hpdp.adapters.stores.sql import CATALOG, literal


class ReadOnlyDuckDBStore(DuckDBFileStore):
    engine = "duckdb_readonly"

    def _attach(self) -> None:
        # Writes then fail in DuckDB itself: the engine enforces read-only, not this class.
        self._con.execute(f"ATTACH {literal(str(self._path()))} AS {CATALOG} (READ_ONLY)")
