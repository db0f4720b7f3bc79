"""`hpdp schedule add|list|pause|resume|remove`: schedules kept in the workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hpdp.presentation.cli.runs import PARAMS_CONTEXT, pairs, parameters

schedule_app = typer.Typer(help="Schedules of notebook runs (fired by `hpdp scheduler`).", no_args_is_help=True)


@schedule_app.command("add", context_settings=PARAMS_CONTEXT)
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Schedule name.")],
    notebook: Annotated[Path, typer.Option(help="The .ipynb to run.")],
    cron: Annotated[
        str,
        typer.Option(help="Cron expression, e.g. '0 6 * * *'; a sixth field, last, gives seconds ('* * * * * */10')."),
    ],
    tz: Annotated[str, typer.Option(help="Time zone of the cron expression.")] = "UTC",
    missed: Annotated[str, typer.Option(help="A time missed while no scheduler ran: run-once or skip.")] = "run-once",
    overlap: Annotated[bool, typer.Option(help="Start even if the previous run is still going.")] = False,
    retries: Annotated[int, typer.Option(help="Retries of a failed run.")] = 0,
    backoff: Annotated[float, typer.Option(help="Seconds before the first retry (doubles each time).")] = 60.0,
    timeout: Annotated[float | None, typer.Option(help="Stop a run after this many seconds.")] = None,
) -> None:
    """Add a schedule; nothing runs until `hpdp scheduler` is running. Parameters: -p NAME VALUE (repeat)."""
    from hpdp.application.scheduling import check_schedule, due_times
    from hpdp.domain.runs import MissedPolicy, Schedule, ScheduleError
    from hpdp.infrastructure.runs_bootstrap import bootstrap_runs

    if missed not in {m.value for m in MissedPolicy}:
        raise ScheduleError(f"--missed {missed!r} is not known; use run-once or skip.")
    with bootstrap_runs(pool_size=0) as service:
        now = service.ctx.clock()
        schedule = check_schedule(
            Schedule(
                name=name,
                notebook=str(notebook.expanduser().resolve()),
                cron=cron,
                tz=tz,
                parameters=parameters(pairs(ctx.args)),
                missed=MissedPolicy(missed),
                allow_overlap=overlap,
                retries=retries,
                backoff_s=backoff,
                timeout_s=timeout,
                created=now,
            ),
            from_text=True,
        )
        service.ctx.log.add_schedule(schedule)
    nxt = due_times(cron, tz, after=now, until=None)[0]
    print(f"Added schedule {name}: next run {nxt:%Y-%m-%d %H:%M:%S} UTC (start `hpdp scheduler` to fire it).")


@schedule_app.command("list")
def list_() -> None:
    """List schedules with their next due time."""
    from hpdp.application.scheduling import due_times
    from hpdp.infrastructure.runs_bootstrap import bootstrap_runs
    from hpdp.presentation.cli import render

    with bootstrap_runs(pool_size=0) as service:
        now = service.ctx.clock()
        items = service.ctx.log.schedules()
    if not items:
        print("No schedules yet; add one with `hpdp schedule add NAME --notebook NB --cron EXPR`.")
        return
    render.show_rows(
        ["schedule", "notebook", "cron", "tz", "state", "next (UTC)", "retries", "missed", "overlap"],
        [
            [
                s.name,
                Path(s.notebook).name,
                s.cron,
                s.tz,
                "paused" if s.paused else "active",
                "" if s.paused else f"{due_times(s.cron, s.tz, after=now, until=None)[0]:%Y-%m-%d %H:%M:%S}",
                s.retries,
                s.missed.value,
                "yes" if s.allow_overlap else "no",
            ]
            for s in items
        ],
    )


def _set_paused(name: str, paused: bool) -> None:
    from hpdp.infrastructure.runs_bootstrap import bootstrap_runs

    with bootstrap_runs(pool_size=0) as service:
        now = service.ctx.clock()
        # Resuming does not fire the times that passed while paused.
        changes = {"paused": paused} if paused else {"paused": False, "last_due": now}
        service.ctx.log.update_schedule(name, **changes)
    print(f"Schedule {name} {'paused' if paused else 'resumed'}.")


@schedule_app.command()
def pause(name: Annotated[str, typer.Argument(help="Schedule name.")]) -> None:
    """Stop firing a schedule (it is kept)."""
    _set_paused(name, True)


@schedule_app.command()
def resume(name: Annotated[str, typer.Argument(help="Schedule name.")]) -> None:
    """Fire a paused schedule again from now on."""
    _set_paused(name, False)


@schedule_app.command()
def remove(name: Annotated[str, typer.Argument(help="Schedule name.")]) -> None:
    """Delete a schedule (its past runs stay listed)."""
    from hpdp.infrastructure.runs_bootstrap import bootstrap_runs

    with bootstrap_runs(pool_size=0) as service:
        service.ctx.log.remove_schedule(name)
    print(f"Removed schedule {name}.")
