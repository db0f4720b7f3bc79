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

# Run adapters: each entry is called with a RunOptions (see hpdp.application.runs_ports).
_RUNS = "hpdp.adapters.runs.factories"
RUNNERS = {"papermill": f"{_RUNS}:papermill_runner"}
TRACKERS = {"mlflow": f"{_RUNS}:mlflow_tracker", "memory": f"{_RUNS}:memory_tracker"}
QUEUES = {"thread": f"{_RUNS}:thread_queue", "redis": f"{_RUNS}:redis_queue"}
RUN_LOGS = {"sqlite": f"{_RUNS}:sqlite_run_log", "postgres": f"{_RUNS}:postgres_run_log"}
NOTIFIERS = {"webhook": f"{_RUNS}:webhook_notifier"}
# Called with the store: the runner of SQL cells in notebooks.
CELL_RUNNERS = {"duckdb": "hpdp.adapters.cells:DuckDBCellRunner"}
# Called with TransferOptions: a workbench on a remote hpdp server (hpdp.connect), by HPDP_TRANSFER.
TRANSFERS = {
    "flight": "hpdp.adapters.transfer.flight:FlightTransfer",
    "json": "hpdp.adapters.transfer.json:JsonTransfer",
}
# Keyed by store engine, called with StoreOptions: a reader of the current snapshot that does not open the store
# (None when it cannot; then the store itself is asked).
EVENT_BUSES = {"local": "hpdp.adapters.events.factories:local_bus", "redis": "hpdp.adapters.events.factories:redis_bus"}
SNAPSHOT_READERS = {"ducklake": "hpdp.adapters.runs.lake_snapshot:snapshot_reader"}
# Called with no arguments: the detector of unusual rows and metrics (HPDP_ANOMALY_DETECTOR).
ANOMALY_DETECTORS = {
    "robust": "hpdp.adapters.anomalies.robust:RobustAnomalyDetector",
    "isolation_forest": "hpdp.adapters.anomalies.isolation_forest:IsolationForestAnomalyDetector",
}
# Called with no arguments: the predictor of run durations (HPDP_DURATION_MODEL).
DURATION_MODELS = {
    "history": "hpdp.adapters.durations.history:HistoryDurationModel",
    "gradient_boosting": "hpdp.adapters.durations.boosting:BoostingDurationModel",
}


@dataclass
class Registries:
    """One registry per port; the setting named in each is the registry key."""

    stores: Registry = field(default_factory=lambda: Registry("hpdp.stores", STORES, "HPDP_DB_ENGINE"))
    processors: Registry = field(
        default_factory=lambda: Registry("hpdp.processors", PROCESSORS, "HPDP_PROCESSOR_ENGINE")
    )
    sources: Registry = field(default_factory=lambda: Registry("hpdp.sources", SOURCES, "kind"))
    runners: Registry = field(default_factory=lambda: Registry("hpdp.runners", RUNNERS, "HPDP_RUNNER"))
    trackers: Registry = field(default_factory=lambda: Registry("hpdp.trackers", TRACKERS, "HPDP_TRACKER"))
    queues: Registry = field(default_factory=lambda: Registry("hpdp.queues", QUEUES, "HPDP_QUEUE"))
    run_logs: Registry = field(default_factory=lambda: Registry("hpdp.run_logs", RUN_LOGS, "HPDP_RUN_LOG"))
    notifiers: Registry = field(default_factory=lambda: Registry("hpdp.notifiers", NOTIFIERS, "HPDP_NOTIFIER"))
    cell_runners: Registry = field(
        default_factory=lambda: Registry("hpdp.cell_runners", CELL_RUNNERS, "HPDP_CELL_RUNNER")
    )
    transfers: Registry = field(default_factory=lambda: Registry("hpdp.transfers", TRANSFERS, "HPDP_TRANSFER"))
    event_buses: Registry = field(default_factory=lambda: Registry("hpdp.event_buses", EVENT_BUSES, "HPDP_EVENTS"))
    anomaly_detectors: Registry = field(
        default_factory=lambda: Registry("hpdp.anomaly_detectors", ANOMALY_DETECTORS, "HPDP_ANOMALY_DETECTOR")
    )
    duration_models: Registry = field(
        default_factory=lambda: Registry("hpdp.duration_models", DURATION_MODELS, "HPDP_DURATION_MODEL")
    )
    snapshot_readers: Registry = field(
        default_factory=lambda: Registry("hpdp.snapshot_readers", SNAPSHOT_READERS, "HPDP_DB_ENGINE")
    )
