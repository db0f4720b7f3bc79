"""Use cases of notebook runs: check and queue a run, execute it on a worker, find abandoned runs."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from hpdp.application.clock import Clock, utcnow
from hpdp.application.events import AbstractEventBus, NullEventBus
from hpdp.application.lazy import Lazy
from hpdp.application.notebooks import check_parameters, declared_parameters, load_notebook, notebook_path
from hpdp.application.retries import after_failure
from hpdp.application.run_tracking import Heartbeat, run_tags, text, track_result
from hpdp.application.runs_ports import (
    AbstractNotifier,
    AbstractQueue,
    AbstractRunLog,
    AbstractRunner,
    AbstractTracker,
)
from hpdp.domain.errors import InvalidInputError, UnsupportedError
from hpdp.domain.runs import Execution, RunRecord, RunRequest, RunStatus

log = logging.getLogger(__name__)
DEFAULT_EXPERIMENT = "notebooks"
SnapshotReader = Callable[[], int | None]


def parse_status(status: str | None) -> RunStatus | None:
    """A run status from its name; None stays None."""
    if status is None:
        return None
    accepted = [s.value for s in RunStatus]
    if status not in accepted:
        raise InvalidInputError(f"Unknown status {status!r}; use one of: {', '.join(accepted)}.", code="run_status")
    return RunStatus(status)


def new_run_id(now: datetime) -> str:
    return f"{now:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:8]}"


@dataclass
class RunContext:
    """What the run use cases need; built by the composition root."""

    runner: Lazy[AbstractRunner]  # built on first use: a queue-only process starts no kernels
    tracker: Lazy[AbstractTracker]
    queue: AbstractQueue
    log: AbstractRunLog
    home: Path
    notifier: AbstractNotifier | None = None
    snapshot: SnapshotReader = lambda: None
    worker: str = "local"
    process: str | None = None  # this process, as the run log records it for the runs it executes
    # whether a recorded process still runs: True, False, or None when it cannot tell (another host)
    alive: Callable[[str], bool | None] = lambda process: None
    version: str = ""
    heartbeat_s: float = 5.0
    stale_after_s: float = 60.0
    clock: Clock = utcnow
    events: AbstractEventBus = field(default_factory=NullEventBus)


class RunService:
    def __init__(self, ctx: RunContext) -> None:
        self.ctx = ctx
        self._closed = False
        ctx.queue.bind(self.execute)

    @property
    def worker(self) -> str:
        return self.ctx.worker

    @property
    def queue_name(self) -> str:
        return self.ctx.queue.name

    @property
    def queue_description(self) -> str:
        return self.ctx.queue.describe()

    @property
    def has_workers(self) -> bool:
        """Whether queued runs execute in separate worker processes (which `serve` runs)."""
        return self.ctx.queue.remote

    @property
    def tracker(self) -> AbstractTracker:
        return self.ctx.tracker.get()

    def warm(self, *, runner: bool = True) -> None:
        """Start kernels now (when `runner`) and load the tracker meanwhile, in the background."""
        if runner:
            self.ctx.runner.get()
        self.ctx.tracker.warm()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        ctx = self.ctx
        ctx.queue.close()
        ctx.tracker.settle()  # a tracker still loading in the background is closed once loaded
        for part in (ctx.runner.peek(), ctx.tracker.peek()):
            if part is not None:
                part.close()
        closer = getattr(ctx.snapshot, "close", None)
        if closer is not None:
            closer()
        ctx.log.close()

    def __enter__(self) -> RunService:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- submitting -------------------------------------------------------------------------------
    def prepare(self, request: RunRequest, *, from_text: bool = False) -> RunRecord:
        """Check the parameters against the notebook (before any kernel starts); record the run as queued."""
        path = notebook_path(request.notebook)
        declared = declared_parameters(load_notebook(path))
        params = check_parameters(declared, request.parameters, notebook=path.name, from_text=from_text)
        now = self.ctx.clock()
        record = RunRecord(
            id=new_run_id(now),
            request=RunRequest(**{**request.__dict__, "notebook": str(path), "parameters": params}),
            status=RunStatus.QUEUED,
            queue=self.ctx.queue.name,
            created=now,
        )
        self.ctx.log.add(record)
        self.ctx.events.publish("run.queued", run_id=record.id, notebook=path.name, schedule=request.schedule)
        return record

    def submit(self, request: RunRequest, *, from_text: bool = False) -> RunRecord:
        record = self.prepare(request, from_text=from_text)
        self.ctx.queue.submit(record.id)
        return record

    def run(self, request: RunRequest, *, from_text: bool = False) -> RunRecord:
        """Run in this process and return the finished record."""
        record = self.prepare(request, from_text=from_text)
        self.warm()  # parameters are fine: kernels may start now
        self.execute(record.id)
        return self.ctx.log.get(record.id)

    # -- reading ----------------------------------------------------------------------------------
    def list_runs(
        self,
        *,
        status: str | RunStatus | None = None,
        schedule: str | None = None,
        limit: int = 30,
        notebook: str | None = None,
    ) -> list[RunRecord]:
        """Runs, newest first; abandoned runs are marked failed first, so the list tells the truth.
        `notebook` (a path or a file name) keeps that notebook's runs among the newest `limit`."""
        wanted = status if isinstance(status, RunStatus) else parse_status(status)
        self.reap_stale()
        records = self.ctx.log.list(status=wanted, schedule=schedule, limit=limit)
        if notebook is None:
            return records
        return [r for r in records if notebook in (r.request.notebook, Path(r.request.notebook).name)]

    def get(self, run_id: str) -> RunRecord:
        return self.ctx.log.get(run_id)

    def wait(self, run_ids: list[str], timeout_s: float | None = None, poll_s: float = 0.5) -> list[RunRecord]:
        """Block until every run is done; returns their records."""
        import time

        self.ctx.queue.wait(run_ids, timeout_s)
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        while True:
            self.reap_stale()
            records = [self.ctx.log.get(r) for r in run_ids]
            if all(r.status.done for r in records) or (deadline is not None and time.monotonic() > deadline):
                return records
            time.sleep(poll_s)

    # -- executing (the worker side) ----------------------------------------------------------------
    def serve(
        self,
        *,
        burst: bool = False,
        name: str | None = None,
        on_reap_error: Callable[[Exception], None] = lambda exc: None,
    ) -> None:
        """Be a worker of the queue: execute its runs here until stopped (or, with `burst`, until it is empty).

        Meanwhile a thread marks abandoned runs failed: a dead local worker at once, remote ones by age.
        """
        if not self.has_workers:
            raise UnsupportedError(
                f"The {self.queue_name} queue runs its runs inside the submitting process; it has no workers.",
                code="queue_no_workers",
            )
        self.warm()
        stop = threading.Event()
        reaper = threading.Thread(target=self._reap_until, args=(stop, on_reap_error), daemon=True, name="hpdp-reaper")
        reaper.start()
        try:
            self.ctx.queue.serve(self.execute, burst=burst, name=name)
        finally:
            stop.set()

    def _reap_until(self, stop: threading.Event, on_error: Callable[[Exception], None]) -> None:
        while not stop.wait(self.ctx.heartbeat_s):
            try:
                self.reap_stale()
            except Exception as exc:  # keep watching; report once per failure
                on_error(exc)

    def execute(self, run_id: str) -> None:
        ctx = self.ctx
        record = ctx.log.claim(run_id, ctx.worker, ctx.clock(), ctx.process)
        if record is None:
            return
        ctx.events.publish("run.started", run_id=run_id, worker=ctx.worker)
        beat = Heartbeat(lambda: ctx.log.update(run_id, heartbeat=ctx.clock()), ctx.heartbeat_s)
        beat.start()
        try:
            record, result = self._execute(record)
        finally:
            beat.stop()
        status = RunStatus.FINISHED if result.ok else RunStatus.FAILED
        record = ctx.log.update(
            run_id, status=status, ended=ctx.clock(), reason=result.reason, output_path=result.output_path
        )
        ctx.events.publish(f"run.{status.value}", run_id=run_id, tracking_id=record.tracking_id)
        if not result.ok:
            after_failure(ctx.log, ctx.notifier, ctx.clock, record)

    def _execute(self, record: RunRecord) -> tuple[RunRecord, Execution]:
        """Run the notebook while another thread opens the tracked run (MLflow's start-up overlaps it)."""
        ctx, req = self.ctx, record.request
        run_dir = ctx.home / "runs" / record.id
        output = run_dir / Path(req.notebook).name
        before = text(ctx.snapshot())
        opened: dict[str, Any] = {}
        opening = threading.Thread(target=self._open_tracking, args=(record, before, opened), name="hpdp-track")
        opening.start()
        try:
            params = {**req.parameters, "hpdp_run_id": record.id, "hpdp_run_dir": str(run_dir)}
            result = ctx.runner.get().execute(Path(req.notebook), output, params, timeout_s=req.timeout_s)
        except Exception as exc:  # a broken runner still ends the run as FAILED with the reason
            log.exception("run %s could not execute", record.id)
            result = Execution(False, str(output), 0.0, reason=f"{type(exc).__name__}: {exc}")
        finally:
            opening.join()
        if "error" in opened:
            reason = result.reason or f"tracking failed: {opened['error']}"
            return record, Execution(**{**result.__dict__, "ok": False, "reason": reason})
        tracker, tracking_id = opened["tracker"], opened["id"]
        record = ctx.log.get(record.id)
        try:
            track_result(tracker, tracking_id, result, run_dir, text(ctx.snapshot()))
        except Exception as exc:
            log.exception("run %s could not be tracked", record.id)
            result = Execution(**{**result.__dict__, "ok": False, "reason": f"tracking failed: {exc}"})
        return record, result

    def _open_tracking(self, record: RunRecord, before: str, opened: dict[str, Any]) -> None:
        ctx, req = self.ctx, record.request
        try:
            tracker = ctx.tracker.get()
            tags = run_tags(record, before, ctx.version)
            opened["id"] = tracker.start_run(
                req.experiment or DEFAULT_EXPERIMENT,
                f"{Path(req.notebook).stem}-{record.id}",
                params=req.parameters,
                tags=tags,
                parent_id=req.parent_tracking_id,
            )
            opened["tracker"] = tracker
            # recorded at once: if this worker dies mid-run, whoever finds the run can close the tracked run
            ctx.log.update(record.id, tracking_id=opened["id"], tracking_url=tracker.run_url(opened["id"]))
        except Exception as exc:
            log.exception("run %s could not be tracked", record.id)
            opened["error"] = f"{type(exc).__name__}: {exc}"

    # -- abandoned runs -----------------------------------------------------------------------------
    def reap_stale(self) -> list[RunRecord]:
        """Runs still marked running whose worker's process has ended, or (on another host) that stopped
        sending heartbeats, end as FAILED with the reason."""
        ctx = self.ctx
        limit = ctx.clock() - timedelta(seconds=ctx.stale_after_s)
        reaped = []
        for rec in ctx.log.list(status=RunStatus.RUNNING, limit=10_000):
            last = rec.heartbeat or rec.started or rec.created
            ended = rec.process is not None and ctx.alive(rec.process) is False
            if ended or last < limit:
                since = f"{last:%Y-%m-%d %H:%M:%S}"
                why = "its process ended" if ended else f"no heartbeat since {since} UTC"
                reason = f"worker {rec.worker} stopped during the run ({why})"
                updated = ctx.log.update_if(
                    rec.id, RunStatus.RUNNING, status=RunStatus.FAILED, ended=ctx.clock(), reason=reason
                )
                if updated is None:  # finished meanwhile, or another process reaped it
                    continue
                ctx.events.publish("run.failed", run_id=rec.id, reason="worker stopped")
                updated = _end_tracking(ctx, updated)
                after_failure(ctx.log, ctx.notifier, ctx.clock, updated)
                reaped.append(updated)
        return reaped


def _end_tracking(ctx: RunContext, record: RunRecord) -> RunRecord:
    """Close the tracked run of an abandoned run as FAILED (opening one if its worker died before that)."""
    output = ctx.home / "runs" / record.id / Path(record.request.notebook).name
    try:
        tracker = ctx.tracker.get()
        tracking_id = record.tracking_id
        if not tracking_id:
            tracking_id = tracker.start_run(
                record.request.experiment or DEFAULT_EXPERIMENT,
                f"{Path(record.request.notebook).stem}-{record.id}",
                params=record.request.parameters,
                tags=run_tags(record, "", ctx.version),
                parent_id=record.request.parent_tracking_id,
            )
            record = ctx.log.update(record.id, tracking_id=tracking_id, tracking_url=tracker.run_url(tracking_id))
        tracker.set_tags(tracking_id, {"hpdp.failure": record.reason or ""})
        if output.is_file():
            tracker.log_artifact(tracking_id, output)
            record = ctx.log.update(record.id, output_path=str(output))
        tracker.end_run(tracking_id, "FAILED")
    except Exception:
        log.exception("could not mark the tracked run of %s failed", record.id)
    return record
