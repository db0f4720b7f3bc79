"""The composition root of notebook runs: runner, tracker, queue, run log and notifier from settings."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from hpdp.application.runs import RunContext, RunService
from hpdp.application.runs_ports import (
    AbstractNotifier,
    AbstractQueue,
    AbstractRunLog,
    AbstractRunner,
    AbstractTracker,
)
from hpdp.domain.errors import HpdpError
from hpdp.infrastructure.bootstrap import build_store, writable_home
from hpdp.infrastructure.registries import Registries
from hpdp.infrastructure.settings import Settings, load_settings


def build_runs(
    settings: Settings | None = None,
    *,
    runner: AbstractRunner | None = None,
    tracker: AbstractTracker | None = None,
    queue: AbstractQueue | None = None,
    run_log: AbstractRunLog | None = None,
    notifier: AbstractNotifier | None = None,
    registries: Registries | None = None,
    pool_size: int | None = None,
    worker: str | None = None,
    prestart: bool = False,
) -> RunService:
    """`pool_size`: warm kernels kept by a long-lived process; `prestart`: a one-shot process starts its one
    kernel at once, so that it boots while the rest of the run is prepared."""
    settings = settings or load_settings()
    registries = registries or Registries()
    home = writable_home(settings.resolved_home())
    if queue is None:
        queue = _queue(settings, registries)
    if run_log is None:
        from hpdp.adapters.runs.sqlite_log import SQLiteRunLog

        run_log = SQLiteRunLog(home / "runs.sqlite")
    if notifier is None and settings.webhook_url:
        from hpdp.adapters.notify.webhook import WebhookNotifier

        notifier = WebhookNotifier(settings.webhook_url)
    registries.runners.check(settings.runner)
    registries.trackers.check(settings.tracker)
    size = settings.run_pool_size if pool_size is None else pool_size

    def make_runner() -> AbstractRunner:
        return runner or registries.runners.get(settings.runner)(kernel_name=settings.run_kernel, pool_size=size)

    def make_tracker() -> AbstractTracker:
        if tracker is not None:
            return tracker
        factory = registries.trackers.get(settings.tracker)
        if settings.tracker != "mlflow":
            return factory()
        if prestart:  # one run in this process: MLflow loads in a child process, in parallel with the kernel
            from hpdp.adapters.tracking.child import ChildProcessTracker

            factory = ChildProcessTracker
        return factory(settings.resolved_tracking_uri(), home / "mlruns", settings.mlflow_ui_url)

    from importlib.metadata import version

    from hpdp.adapters.runs import liveness

    ctx = RunContext(
        runner=make_runner,
        tracker=make_tracker,
        queue=queue,
        log=run_log,
        home=home,
        notifier=notifier,
        snapshot=_snapshot_reader(settings, registries),
        worker=worker or f"{socket.gethostname()}:{os.getpid()}",
        process=liveness.this_process(),
        alive=liveness.alive,
        version=version("hpdp"),
        heartbeat_s=settings.run_heartbeat_s,
        stale_after_s=settings.run_stale_after_s,
    )
    if size:  # a long-lived process: start warming kernels now, and load the tracker meanwhile
        ctx.built("runner")
        threading.Thread(target=ctx.built, args=("tracker",), name="hpdp-tracker-load", daemon=True).start()
    if prestart:  # a one-shot run: the tracking process starts loading MLflow now
        ctx.built("tracker")
    return RunService(ctx)


def _queue(settings: Settings, registries: Registries) -> AbstractQueue:
    factory = registries.queues.get(settings.queue)
    if settings.queue == "redis":
        return factory(settings.redis_url, settings.queue_name)
    if settings.queue == "thread":
        return factory(settings.queue_workers)
    return factory()


def _snapshot_reader(settings: Settings, registries: Registries) -> Any:
    """The store's current snapshot (tagged before and after each run); the store is not held open."""
    if settings.db_engine == "ducklake":
        from hpdp.adapters.runs import lake_snapshot

        catalog = lake_snapshot.sqlite_catalog(settings.resolved_home(), settings.db_url)
        if catalog is not None:
            return lambda: lake_snapshot.current_snapshot(catalog)

    def read() -> int | None:
        try:
            store = build_store(settings, registries)
        except HpdpError:  # an unreachable store leaves the tag empty; the run itself reports the problem
            return None
        try:
            current = getattr(store, "current_snapshot", None)
            return current() if current is not None else None
        finally:
            store.close()

    return read


@contextmanager
def bootstrap_runs(settings: Settings | None = None, **overrides: Any) -> Iterator[RunService]:
    service = build_runs(settings, **overrides)
    try:
        yield service
    finally:
        service.close()
