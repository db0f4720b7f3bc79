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
SOURCES = {
    "rest": "hpdp.adapters.sources.rest:RestSource",
    "graphql": "hpdp.adapters.sources.graphql:GraphQLSource",
    "websocket": "hpdp.adapters.sources.websocket:WebSocketSource",
    "odata": "hpdp.adapters.sources.odata:ODataSource",
    "flight": "hpdp.adapters.sources.flight:FlightSource",
    "memory": "hpdp.adapters.sources.memory:MemorySource",
}


@dataclass
class Registries:
    stores: Registry = field(default_factory=lambda: Registry("hpdp.stores", STORES, "HPDP_DB_ENGINE"))
    processors: Registry = field(
        default_factory=lambda: Registry("hpdp.processors", PROCESSORS, "HPDP_PROCESSOR_ENGINE")
    )
    sources: Registry = field(default_factory=lambda: Registry("hpdp.sources", SOURCES, "kind"))
