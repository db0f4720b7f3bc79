"""The composition root: every service built from Settings, each part on first use.

A server holds one container for hours, a CLI command for one call; `with Container(settings) as c:` starts
and closes it. Parts are lazy, so listing tables builds no run service and loads no tracker.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, Any

from hpdp.application.cells import AbstractCellRunner
from hpdp.application.clock import Clock, utcnow
from hpdp.application.events import AbstractEventBus, EventFeed
from hpdp.application.lazy import Lazy
from hpdp.application.ports import AbstractProcessor
from hpdp.application.store_ports import AbstractStore, SupportsSnapshots
from hpdp.application.workbench import Workbench
from hpdp.infrastructure.parts import build_ingestion, build_store, snapshot_reader, writable_home
from hpdp.infrastructure.registries import Registries
from hpdp.infrastructure.settings import Settings, load_settings

# Run, schedule and experiment services load when first asked for: `hpdp tables` needs none of them.
if TYPE_CHECKING:
    from hpdp.application.advice import EngineAdviceService
    from hpdp.application.anomalies import AbstractAnomalyDetector, AnomalyService
    from hpdp.application.cleaning import CleaningService
    from hpdp.application.durations import DurationService
    from hpdp.application.experiments import ExperimentService
    from hpdp.application.ingestion import IngestionService, SourceFactory
    from hpdp.application.ledger import AbstractFindingStore, AbstractLedger, InsightService
    from hpdp.application.queries import QueryService
    from hpdp.application.recording import Recorder
    from hpdp.application.runs import RunService
    from hpdp.application.runs_ports import (
        AbstractNotifier,
        AbstractQueue,
        AbstractRunLog,
        AbstractRunner,
        AbstractTracker,
        RunOptions,
    )
    from hpdp.application.schedules import ScheduleService
    from hpdp.application.scheduling import Scheduler


class Container:
    """Builds the store, processor, ingestion, runs, schedules and experiments; fakes replace any part."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        registries: Registries | None = None,
        clock: Clock = utcnow,
        store: AbstractStore | None = None,
        processor: AbstractProcessor | None = None,
        open_source: SourceFactory | None = None,
        runner: AbstractRunner | None = None,
        tracker: AbstractTracker | None = None,
        queue: AbstractQueue | None = None,
        run_log: AbstractRunLog | None = None,
        notifier: AbstractNotifier | None = None,
        pool_size: int | None = None,
        worker: str | None = None,
        tracker_in_child: bool = False,
        ledger: AbstractLedger | None = None,
        findings: AbstractFindingStore | None = None,
    ) -> None:
        """`pool_size`: warm kernels kept by a long-lived process (default HPDP_RUN_POOL_SIZE);
        `tracker_in_child`: one run in this process, so the tracker loads in a child process meanwhile."""
        self.settings = settings or load_settings()
        self.registries = registries or Registries()
        self.clock = clock
        self._pool_size = self.settings.run_pool_size if pool_size is None else pool_size
        self._worker = worker
        self._tracker_in_child = tracker_in_child
        self._store = Lazy(lambda: self._announcing(store or build_store(self.settings, self.registries)))
        self._events = Lazy(self._build_events)
        self._feed = Lazy(lambda: EventFeed(self._events.get()))
        self._queries = Lazy(self._build_queries)
        self._processor = Lazy(lambda: processor or self.registries.processors.get(self.settings.processor_engine)())
        self._ledger = Lazy(lambda: ledger or self._lake("executions"))
        self._findings = Lazy(lambda: findings or self._lake("findings"))
        self._insights = Lazy(self._build_insights)
        self._recorder = Lazy(self._build_recorder)
        self._ingestion = Lazy(
            lambda: build_ingestion(
                self.settings,
                self.registries,
                self._store.get(),
                open_source,
                clock,
                self._events.get,
                self._recorder.get(),
            )
        )
        self._run_log = Lazy(lambda: run_log or self.registries.run_logs.get(self.settings.run_log)(self.run_options))
        self._runs = Lazy(lambda: self._build_runs(runner, tracker, queue, notifier))
        self._workbench = Lazy(self._build_workbench)
        self._given = {"store": store is not None, "processor": processor is not None}
        self._started = False

    # -- lifecycle --------------------------------------------------------------------------------
    def start(self) -> Container:
        """Check that the configured engines exist (nothing is built yet); given parts need no engine."""
        if not self._started:
            if not self._given["store"]:
                self.registries.stores.check(self.settings.db_engine)
            if not self._given["processor"]:
                self.registries.processors.check(self.settings.processor_engine)
            self._started = True
        return self

    def close(self) -> None:
        """Close what was built: the run service first (runs in progress end, and their executions reach the
        recorder while the store is open), then the recorder, the workbench (with its store)."""
        if self._runs.built:
            self._runs.get().close()
        elif self._run_log.built:
            self._run_log.get().close()
        if self._feed.built:
            self._feed.get().close()
        self._close_recorder()
        if self._queries.built:
            self._queries.get().close()
        if self._workbench.built:
            self._workbench.get().close()
        elif self._store.built:
            self._store.get().close()
        if self._events.built:
            self._events.get().close()

    def __enter__(self) -> Container:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    # -- services ---------------------------------------------------------------------------------
    def workbench(self) -> Workbench:
        """The notebook facade over store, processor, ingestion and runs (it closes them when closed)."""
        return self._workbench.get()

    def store(self) -> AbstractStore:
        return self._store.get()

    def processor(self) -> AbstractProcessor:
        return self._processor.get()

    def ingestion(self) -> IngestionService:
        return self._ingestion.get()

    def runs(self) -> RunService:
        return self._runs.get()

    def schedules(self) -> ScheduleService:
        from hpdp.application.schedules import ScheduleService

        """Schedules need only the run log: no queue, runner or tracker is built."""
        return ScheduleService(self._run_log.get(), self.clock, self._events.get())

    def scheduler(self) -> Scheduler:
        from hpdp.application.scheduling import Scheduler

        return Scheduler(self.runs())

    def experiments(self) -> ExperimentService:
        from hpdp.application.experiments import ExperimentService

        return ExperimentService(self.runs())

    def ledger(self) -> AbstractLedger:
        """Every task's executions, in the store's `hpdp_meta.executions`."""
        return self._ledger.get()

    def insights(self) -> InsightService:
        """Findings drawn from the ledger, kept in `hpdp_meta.findings`."""
        return self._insights.get()

    def recorder(self) -> Recorder:
        """What tasks record their executions with (and the findings refresh after)."""
        return self._recorder.get()

    def events(self) -> AbstractEventBus:
        """The workspace's event bus (HPDP_EVENTS): what every process of it publishes."""
        return self._events.get()

    def event_feed(self) -> EventFeed:
        """One reader of the bus for this process; servers subscribe their pages and sockets to it."""
        return self._feed.get()

    def queries(self) -> QueryService:
        """Reads for dashboards and APIs: table pages, and outside SQL run read-only with limits."""
        return self._queries.get()

    def cell_runner_factory(self) -> Callable[[AbstractStore], AbstractCellRunner]:
        """The runner of SQL cells for a store (HPDP_CELL_RUNNER); the magic's cell service is built with it."""
        factory: Callable[[AbstractStore], AbstractCellRunner] = self.registries.cell_runners.get(
            self.settings.cell_runner
        )
        return factory

    # -- insights ---------------------------------------------------------------------------------
    def findings(self) -> AbstractFindingStore:
        return self._findings.get()

    def anomaly_detector(self) -> AbstractAnomalyDetector:
        """The detector named by HPDP_ANOMALY_DETECTOR (robust or isolation_forest)."""
        detector: AbstractAnomalyDetector = self.registries.anomaly_detectors.get(self.settings.anomaly_detector)()
        return detector

    def anomalies(self) -> AnomalyService:
        from hpdp.adapters.profiling import DuckDBTableProfiler
        from hpdp.application.anomalies import AnomalyService

        profiler = DuckDBTableProfiler(self._store.get())
        return AnomalyService(profiler, self.anomaly_detector(), self.settings.anomaly_sample_rows)

    def cleaning(self) -> CleaningService:
        from hpdp.adapters.profiling import DuckDBTableProfiler
        from hpdp.application.cleaning import CleaningService

        store = self._store.get()
        return CleaningService(store, DuckDBTableProfiler(store))

    def durations(self) -> DurationService:
        """Predicted durations from the ledger's history of each task; predictions kept in the store and
        compared with the ledger's actual durations."""
        from hpdp.adapters.durations.store_log import StorePredictionLog
        from hpdp.application.durations import DurationService, ledger_actuals, ledger_history

        model = self.registries.duration_models.get(self.settings.duration_model)()
        ledger = self._ledger.get()
        log = StorePredictionLog(self._store.get())
        return DurationService(model, ledger_history(ledger), log, ledger_actuals(ledger))

    def engine_advice(self) -> EngineAdviceService:
        """Every registered processor on the same table (built on first use)."""
        import socket

        from hpdp.application.advice import EngineAdviceService

        reg = self.registries.processors
        processors = {name: (lambda name=name: reg.get(name)()) for name in reg.names()}
        return EngineAdviceService(
            self._store.get(), processors, self.ledger(), self.findings(), clock=self.clock, host=socket.gethostname()
        )

    # -- building ---------------------------------------------------------------------------------
    @cached_property
    def run_options(self) -> RunOptions:
        """Built once: it checks that the workspace is writable, which costs a file write."""
        from hpdp.application.runs_ports import RunOptions

        s = self.settings
        run_log_url, run_log_url_setting = s.resolved_run_log_url()
        user, password = s.mlflow_credentials() or (None, None)
        return RunOptions(
            home=writable_home(s.resolved_home()),
            kernel_name=s.run_kernel,
            pool_size=self._pool_size,
            queue_url=s.redis_url,
            queue_name=s.queue_name,
            queue_workers=s.queue_workers,
            tracking_uri=s.mlflow_tracking_uri,
            ui_url=s.mlflow_ui_url,
            tracking_user=user,
            tracking_password=password,
            tracker_in_child=self._tracker_in_child,
            webhook_url=s.webhook_url,
            run_log_url=run_log_url,
            run_log_url_setting=run_log_url_setting,
        )

    def _lake(self, table: str) -> Any:
        from hpdp.adapters.ledger.executions import LakeLedger
        from hpdp.adapters.ledger.findings import LakeFindingStore

        store = self._store.get()
        return LakeLedger(store) if table == "executions" else LakeFindingStore(store)

    def _build_insights(self) -> InsightService:
        from hpdp.application.ledger import InsightService

        return InsightService(self._ledger.get(), self._findings.get(), self.clock, events=self._events.get)

    def _build_recorder(self) -> Recorder:
        import socket
        from importlib.metadata import version

        from hpdp.application.recording import Recorder

        return Recorder(
            self._ledger.get(),
            self._insights.get(),
            host=socket.gethostname(),
            version=version("hpdp"),
            clock=self.clock,
            query_rate=self.settings.record_queries,
            exclusive=self._store.get().exclusive,
        )

    def _close_recorder(self) -> None:
        """Executions still on their way are written (the store must still be open)."""
        if self._recorder.built:
            self._recorder.get().close()

    def _query_recorder(self) -> Recorder | None:
        """The recorder for SQL queries, only when HPDP_RECORD_QUERIES samples them."""
        return self._recorder.get() if self.settings.record_queries > 0 else None

    def _build_events(self) -> AbstractEventBus:
        from hpdp.application.events import EventOptions

        s = self.settings
        options = EventOptions(writable_home(s.resolved_home()), s.redis_url, s.queue_name, self.clock)
        bus: AbstractEventBus = self.registries.event_buses.get(s.resolved_events())(options)
        return bus

    def _build_queries(self) -> QueryService:
        from hpdp.application.queries import QueryLimits, QueryService

        s = self.settings
        return QueryService(
            self._store.get(), QueryLimits(s.query_max_rows, s.query_timeout_s), recorder=self._recorder.get
        )

    def _announcing(self, store: AbstractStore) -> AbstractStore:
        """Every committed write publishes `snapshot.created` (the bus is built on the first write)."""

        def announce(tables: list[str]) -> None:
            if tables and all(t.startswith(("hpdp_meta.", "_hpdp_meta_")) for t in tables):
                return  # the ledger's own bookkeeping changes no data anyone reads
            shown = [t for t in tables if not t.startswith("_hpdp_")] or tables
            snapshot = store.current_snapshot() if isinstance(store, SupportsSnapshots) else None
            self._events.get().publish("snapshot.created", tables=",".join(shown), snapshot=snapshot)

        store.commit_listeners.append(announce)
        return store

    def _build_workbench(self) -> Workbench:
        return Workbench(
            self._store.get(),
            self._processor.get(),
            output_format=self.settings.output_format,
            ingestion=self._ingestion.get,
            runs=self._runs.get,
            cells=self.cell_runner_factory(),
            recorder=self._query_recorder,
            before_close=self._close_recorder,
        )

    def _build_runs(
        self,
        runner: AbstractRunner | None,
        tracker: AbstractTracker | None,
        queue: AbstractQueue | None,
        notifier: AbstractNotifier | None,
    ) -> RunService:
        import socket
        from importlib.metadata import version

        from hpdp.adapters.runs import liveness
        from hpdp.application.runs import RunContext, RunService

        s, reg, options = self.settings, self.registries, self.run_options
        reg.runners.check(s.runner)
        reg.trackers.check(s.tracker)
        if queue is None:
            queue = reg.queues.get(s.queue)(options)
        if notifier is None:
            notifier = reg.notifiers.get(s.notifier)(options)
        ctx = RunContext(
            runner=Lazy(lambda: runner or reg.runners.get(s.runner)(options)),
            tracker=Lazy(lambda: tracker or reg.trackers.get(s.tracker)(options)),
            queue=queue,
            log=self._run_log.get(),
            home=options.home,
            notifier=notifier,
            snapshot=snapshot_reader(s, reg),
            worker=self._worker or f"{socket.gethostname()}:{os.getpid()}",
            process=liveness.this_process(),
            alive=liveness.alive,
            version=version("hpdp"),
            heartbeat_s=s.run_heartbeat_s,
            stale_after_s=s.run_stale_after_s,
            clock=self.clock,
            events=self._events.get(),
            recorder=self._recorder.get,
            config={"runner": s.runner, "tracker": s.tracker, "pool": options.pool_size, "kernel": s.run_kernel},
        )
        return RunService(ctx)
