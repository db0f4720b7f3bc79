"""`hpdp run`, `hpdp runs`, `hpdp worker`, `hpdp scheduler`; the schedule and experiment sub-apps."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from hpdp.domain.errors import HpdpError

if TYPE_CHECKING:
    from hpdp.domain.runs import RunRecord

# `-p NAME VALUE` takes two values, which Typer options cannot: such commands parse their extra arguments.
PARAMS_CONTEXT = {"allow_extra_args": True, "ignore_unknown_options": True}


def pairs(extra: list[str]) -> list[tuple[str, str]]:
    out, rest = [], list(extra)
    while rest:
        flag = rest.pop(0)
        if flag not in ("-p", "--parameter"):
            raise HpdpError(f"Unexpected argument {flag!r}; parameters are given as -p NAME VALUE.")
        if len(rest) < 2:
            raise HpdpError(f"{flag} needs a name and a value: -p NAME VALUE.")
        out.append((rest.pop(0), rest.pop(0)))
    return out


def parameters(pairs: list[tuple[str, str]] | None, file: Path | None = None) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if file is not None:
        import yaml

        if not file.is_file():
            raise HpdpError(f"Parameter file {str(file)!r} does not exist; give a YAML file of NAME: VALUE lines.")
        try:
            loaded = yaml.safe_load(file.read_text()) or {}
        except yaml.YAMLError:
            raise HpdpError(f"{file.name} is not valid YAML; give a YAML file of NAME: VALUE lines.") from None
        if not isinstance(loaded, dict):
            raise HpdpError(f"{file.name} must hold NAME: VALUE lines (a mapping).")
        params.update(loaded)
    params.update(dict(pairs or []))
    return params


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
    from hpdp.domain.runs import RunRequest, RunStatus
    from hpdp.infrastructure.runs_bootstrap import bootstrap_runs

    request = RunRequest(str(notebook), parameters(pairs(ctx.args), file), experiment=experiment, timeout_s=timeout)
    with bootstrap_runs(pool_size=0, prestart=True) as service:
        if queue:
            record = service.submit(request, from_text=True)
            print(f"Queued run {record.id} on the {record.queue} queue; `hpdp runs` shows its progress.")
            return
        record = service.run(request, from_text=True)
    print(describe(record))
    if record.status is RunStatus.FAILED:
        raise HpdpError(f"Run {record.id} failed: {record.reason}; see the output notebook {record.output_path}.")


def runs(
    status: Annotated[str | None, typer.Option(help="Only runs with this status (failed, finished, ...).")] = None,
    schedule: Annotated[str | None, typer.Option(help="Only runs of this schedule.")] = None,
    limit: Annotated[int, typer.Option(help="How many runs, newest first.")] = 30,
) -> None:
    """List runs with status, duration and links to the output notebook and MLflow run."""
    from hpdp.domain.runs import RunStatus
    from hpdp.infrastructure.runs_bootstrap import bootstrap_runs

    if status is not None and status not in {s.value for s in RunStatus}:
        raise HpdpError(f"Unknown status {status!r}; use one of: {', '.join(s.value for s in RunStatus)}.")
    with bootstrap_runs(pool_size=0) as service:
        service.reap_stale()
        records = service.ctx.log.list(status=RunStatus(status) if status else None, schedule=schedule, limit=limit)
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
    from hpdp.adapters.queues.redis import work
    from hpdp.infrastructure.runs_bootstrap import bootstrap_runs
    from hpdp.infrastructure.settings import load_settings

    settings = load_settings()
    if settings.queue != "redis" or not settings.redis_url:
        raise HpdpError("`hpdp worker` serves the Redis queue: set HPDP_QUEUE=redis and HPDP_REDIS_URL.")
    with bootstrap_runs(settings, pool_size=pool, worker=name) as service:
        stop = threading.Event()
        reaper = threading.Thread(target=_reap, args=(service, stop), daemon=True, name="hpdp-reaper")
        reaper.start()
        print(
            f"Worker {service.ctx.worker} on queue {settings.queue_name} at {settings.redis_url}, {pool} warm kernels."
        )
        try:
            work(settings.redis_url, settings.queue_name, service.execute, burst=burst, name=name)
        finally:
            stop.set()


def _reap(service: Any, stop: threading.Event) -> None:
    while not stop.wait(service.ctx.heartbeat_s):  # a dead local worker is seen at once; remote ones by age
        try:
            service.reap_stale()
        except Exception as exc:  # keep watching; report once per failure
            print(f"Could not check for abandoned runs: {exc}")


def scheduler(
    poll: Annotated[float, typer.Option(help="Seconds between checks for due runs.")] = 1.0,
    pool: Annotated[int, typer.Option(help="Warm kernels kept ready (thread queue).")] = 1,
    once: Annotated[bool, typer.Option(help="Check once, wait for the fired runs, and exit.")] = False,
) -> None:
    """Fire due schedules into the queue until stopped (Ctrl-C or SIGTERM)."""
    from hpdp.application.scheduling import Scheduler
    from hpdp.infrastructure.runs_bootstrap import bootstrap_runs
    from hpdp.infrastructure.settings import load_settings

    settings = load_settings()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with bootstrap_runs(settings, pool_size=pool if settings.queue == "thread" else 0) as service:
        ticker = Scheduler(service)
        print(
            f"Scheduler {service.ctx.worker}: {len(service.ctx.log.schedules())} schedules, queue {settings.queue}.",
            flush=True,
        )
        try:
            while True:
                for record in ticker.tick():
                    print(
                        f"Fired {record.request.schedule}: run {record.id} ({record.status.value}).",
                        flush=True,
                    )
                if once or stop.wait(poll):
                    break
        except KeyboardInterrupt:
            pass
        print("Scheduler stopping; runs in progress finish first.", flush=True)


def register(app: typer.Typer) -> None:
    from hpdp.presentation.cli.experiments import experiment_app
    from hpdp.presentation.cli.schedules import schedule_app

    app.command(context_settings=PARAMS_CONTEXT)(run)
    app.command()(runs)
    app.command()(worker)
    app.command()(scheduler)
    app.add_typer(schedule_app, name="schedule")
    app.add_typer(experiment_app, name="experiment")
