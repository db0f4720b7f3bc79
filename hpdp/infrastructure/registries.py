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

RUNNERS = {"papermill": "hpdp.adapters.runners.papermill:PapermillRunner"}
TRACKERS = {
    "mlflow": "hpdp.adapters.tracking.mlflow:MLflowTracker",
    "memory": "hpdp.adapters.memory_runs:FakeTracker",
}
QUEUES = {
    "thread": "hpdp.adapters.queues.thread:ThreadQueue",
    "redis": "hpdp.adapters.queues.redis:RedisQueue",
}


@dataclass
class Registries:
    stores: Registry = field(default_factory=lambda: Registry("hpdp.stores", STORES, "HPDP_DB_ENGINE"))
    processors: Registry = field(
        default_factory=lambda: Registry("hpdp.processors", PROCESSORS, "HPDP_PROCESSOR_ENGINE")
    )
    sources: Registry = field(default_factory=lambda: Registry("hpdp.sources", SOURCES, "kind"))
    runners: Registry = field(default_factory=lambda: Registry("hpdp.runners", RUNNERS, "HPDP_RUNNER"))
    trackers: Registry = field(default_factory=lambda: Registry("hpdp.trackers", TRACKERS, "HPDP_TRACKER"))
    queues: Registry = field(default_factory=lambda: Registry("hpdp.queues", QUEUES, "HPDP_QUEUE"))
