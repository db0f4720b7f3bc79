"""In-memory: a throwaway DuckDB database for tests and scratch notebooks."""

from __future__ import annotations

from hpdp.adapters.stores.base import CATALOG, DuckDBEngineStore


class MemoryStore(DuckDBEngineStore):
    engine = "memory"

    def _attach(self) -> None:
        self._con.execute(f"ATTACH ':memory:' AS {CATALOG}")
