"""`hpdp run`, `hpdp runs`, `hpdp worker`, `hpdp scheduler`; the schedule and experiment sub-apps."""

from __future__ import annotations

import signal
import threading
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hpdp.domain.errors import HpdpError, TaskFailedError, UnsupportedError
from hpdp.presentation.cli.context import container
from hpdp.presentation.cli.params import PARAMS_CONTEXT, pairs, parameters

if TYPE_CHECKING:
    from hpdp.application.durations import DurationService
    from hpdp.domain.durations import Prediction
    from hpdp.domain.runs import RunRecord


def describe(record: RunRecord) -> str:
    duration = f" in {record.duration_s:.1f} s" if record.duration_s is not None else ""
    lines = [f"Run {record.id}: {record.status.value}{duration}"]
    if record.reason:
        lines.append(f"  reason: {record.reason}")
    if record.output_path:
        lines.append(f"  output notebook: {record.output_path}")
    if record.tracking_id:
        lines.append(f"  mlflow run: {record.tracking_url or record.tracking_id}")
    return "\n".join(lines)


def run(
    ctx: typer.Context,
    notebook: Annotated[Path, typer.Argument(help="The .ipynb to run.")],
    file: Annotated[Path | None, typer.Option("--file", "-f", help="YAML file of parameters.")] = None,
    experiment: Annotated[str | None, typer.Option(help="MLflow experiment of the run.")] = None,
    queue: Annotated[bool, typer.Option("--queue", help="Queue the run (HPDP_QUEUE) and return at once.")] = False,
    timeout: Annotated[float | None, typer.Option(help="Stop the run after this many seconds.")] = None,
) -> None:
    """Run a parameterized notebook in a fresh kernel, tracked in MLflow; the output notebook is kept.

    Parameters: -p NAME VALUE (repeat), converted to the types declared in the notebook's parameters cell.
    """
    from hpdp.application.durations import run_subject
    from hpdp.domain.runs import RunRequest, RunStatus

    request = RunRequest(str(notebook), parameters(pairs(ctx.args), file), experiment=experiment, timeout_s=timeout)
    with container(pool_size=0, tracker_in_child=not queue) as c:
        service, durations = c.runs(), c.durations()
        subject, typed = run_subject(request.notebook, request.parameters, from_text=True)
        prediction = durations.predict(subject, typed)
        print(f"Predicted duration: {prediction.sentence()}", flush=True)
        if queue:
            record = service.submit(request, from_text=True)
            _keep_prediction(durations, record.id, subject, prediction, None)
            print(f"Queued run {record.id} on the {record.queue} queue; `hpdp runs` shows its progress.")
            return
        record = service.run(request, from_text=True)
        if record.status is RunStatus.FINISHED:
            _keep_prediction(durations, record.id, subject, prediction, record.duration_s)
    print(describe(record))
    if record.status is RunStatus.FAILED:
        raise TaskFailedError(f"Run {record.id} failed: {record.reason}; see the output notebook {record.output_path}.")


def _keep_prediction(
    durations: DurationService, run_id: str, subject: str, prediction: Prediction, actual: float | None
) -> None:
    """Predicted beside actual, for `accuracy()`; a run that worked is not failed by its bookkeeping."""
    try:
        durations.record(run_id, subject, prediction, actual)
    except HpdpError as exc:
        print(f"Could not keep the predicted duration: {exc}")


def runs(
    status: Annotated[str | None, typer.Option(help="Only runs with this status (failed, finished, ...).")] = None,
    schedule: Annotated[str | None, typer.Option(help="Only runs of this schedule.")] = None,
    limit: Annotated[int, typer.Option(help="How many runs, newest first.")] = 30,
) -> None:
    """List runs with status, duration and links to the output notebook and MLflow run."""
    from hpdp.application.runs import parse_status

    wanted = parse_status(status)  # before anything opens
    with container(pool_size=0) as c:
        records = c.runs().list_runs(status=wanted, schedule=schedule, limit=limit)
    if not records:
        print("No runs yet; start one with `hpdp run NOTEBOOK`.")
        return
    print(f"{'run':<26} {'status':<9} {'seconds':>8} {'try':>3} {'schedule':<14} {'notebook':<24} links")
    for r in records:
        seconds = f"{r.duration_s:.1f}" if r.duration_s is not None else "-"
        links = f"{r.output_path or '-'}  {r.tracking_url or r.tracking_id or '-'}"
        print(
            f"{r.id:<26} {r.status.value:<9} {seconds:>8} {r.request.attempt:>3} "
            f"{r.request.schedule or '-':<14} "
            f"{Path(r.request.notebook).name:<24} {links}"
        )
        if r.reason:
            print(f"    reason: {r.reason}")


def worker(
    pool: Annotated[int, typer.Option(help="Warm kernels kept ready.")] = 2,
    burst: Annotated[bool, typer.Option(help="Stop when the queue is empty.")] = False,
    name: Annotated[str | None, typer.Option(help="Worker name (default host:pid).")] = None,
) -> None:
    """Run a Redis worker: executes queued runs here, each in a fresh pre-started kernel."""
    with container(pool_size=pool, worker=name) as c:
        service = c.runs()
        if not service.has_workers:
            raise UnsupportedError("`hpdp worker` serves the Redis queue: set HPDP_QUEUE=redis and HPDP_REDIS_URL.")
        print(f"Worker {service.worker} on queue {service.queue_description}, {pool} warm kernels.")
        service.serve(burst=burst, name=name, on_reap_error=_reap_failed)


def _reap_failed(exc: Exception) -> None:
    print(f"Could not check for abandoned runs: {exc}")


def scheduler(
    poll: Annotated[float, typer.Option(help="Seconds between checks for due runs.")] = 1.0,
    pool: Annotated[int, typer.Option(help="Warm kernels kept ready (thread queue).")] = 1,
    once: Annotated[bool, typer.Option(help="Check once, wait for the fired runs, and exit.")] = False,
) -> None:
    """Fire due schedules into the queue until stopped (Ctrl-C or SIGTERM)."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with container(pool_size=pool) as c:
        ticker = c.scheduler()
        count = len(c.schedules().list_schedules())
        print(f"Scheduler {ticker.service.worker}: {count} schedules, queue {ticker.service.queue_name}.", flush=True)
        with suppress(KeyboardInterrupt):
            ticker.serve(stop, poll_s=poll, once=once, on_fire=_fired)
        print("Scheduler stopping; runs in progress finish first.", flush=True)


def _fired(record: RunRecord) -> None:
    print(f"Fired {record.request.schedule}: run {record.id} ({record.status.value}).", flush=True)


def register(app: typer.Typer) -> None:
    app.command(context_settings=PARAMS_CONTEXT)(run)
    app.command()(runs)
    app.command()(worker)
    app.command()(scheduler)
