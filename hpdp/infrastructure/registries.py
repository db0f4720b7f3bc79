"""The registries of the built-in adapters; plug-ins join them through entry points."""

from __future__ import annotations

from dataclasses import dataclass, field

from hpdp.application.registry import Registry

STORES = {
    "ducklake": "hpdp.adapters.stores.ducklake:DuckLakeStore",
    "duckdb": "hpdp.adapters.stores.duckdb_file:DuckDBFileStore",
    "sqlite": "hpdp.adapters.stores.sqlite:SQLiteStore",
    "postgres": "hpdp.adapters.stores.postgres:PostgresStore",
    "memory": "hpdp.adapters.stores.memory:MemoryStore",
}
PROCESSORS = {
    "polars": "hpdp.adapters.processors.polars:PolarsProcessor",
    "pandas": "hpdp.adapters.processors.pandas:PandasProcessor",
}


@dataclass
class Registries:
    stores: Registry = field(default_factory=lambda: Registry("hpdp.stores", STORES, "HPDP_DB_ENGINE"))
    processors: Registry = field(
        default_factory=lambda: Registry("hpdp.processors", PROCESSORS, "HPDP_PROCESSOR_ENGINE")
    )
