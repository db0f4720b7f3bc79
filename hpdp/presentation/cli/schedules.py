"""`hpdp schedule add|list|pause|resume|remove`: schedules kept in the workspace."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hpdp.presentation.cli.context import container
from hpdp.presentation.cli.params import PARAMS_CONTEXT, pairs, parameters

if TYPE_CHECKING:
    from hpdp.application.schedules import ScheduleService

schedule_app = typer.Typer(help="Schedules of notebook runs (fired by `hpdp scheduler`).", no_args_is_help=True)


@contextmanager
def schedules() -> Iterator[ScheduleService]:
    """The schedule service (an unknown schedule's error points at `hpdp schedule list`: context.POINTERS)."""
    with container() as c:
        yield c.schedules()


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
    from hpdp.domain.runs import MissedPolicy, Schedule, ScheduleError

    if missed not in {m.value for m in MissedPolicy}:
        raise ScheduleError(f"--missed {missed!r} is not known; use run-once or skip.")
    if retries < 0 or backoff < 0:
        raise ScheduleError("Retries and backoff must be zero or more; give --retries 0 or more.")
    schedule = Schedule(
        name=name,
        notebook=str(notebook),
        cron=cron,
        tz=tz,
        parameters=parameters(pairs(ctx.args)),
        missed=MissedPolicy(missed),
        allow_overlap=overlap,
        retries=retries,
        backoff_s=backoff,
        timeout_s=timeout,
    )
    with schedules() as service:
        view = service.add(schedule, from_text=True)
    nxt = view.next_due
    print(f"Added schedule {name}: next run {nxt:%Y-%m-%d %H:%M:%S} UTC (start `hpdp scheduler` to fire it).")


@schedule_app.command("list")
def list_() -> None:
    """List schedules with their next due time."""
    from hpdp.presentation.cli import render

    with schedules() as service:
        items = service.list_schedules()
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
                "" if v.next_due is None else f"{v.next_due:%Y-%m-%d %H:%M:%S}",
                s.retries,
                s.missed.value,
                "yes" if s.allow_overlap else "no",
            ]
            for v in items
            for s in [v.schedule]
        ],
    )


def _change(name: str, action: Callable[[ScheduleService], object], done: str) -> None:
    with schedules() as service:
        action(service)
    print(f"Schedule {name} {done}.")


@schedule_app.command()
def pause(name: Annotated[str, typer.Argument(help="Schedule name.")]) -> None:
    """Stop firing a schedule (it is kept)."""
    _change(name, lambda service: service.pause(name), "paused")


@schedule_app.command()
def resume(name: Annotated[str, typer.Argument(help="Schedule name.")]) -> None:
    """Fire a paused schedule again from now on."""
    _change(name, lambda service: service.resume(name), "resumed")


@schedule_app.command()
def remove(name: Annotated[str, typer.Argument(help="Schedule name.")]) -> None:
    """Delete a schedule (its past runs stay listed)."""
    with schedules() as service:
        service.remove(name)
    print(f"Removed schedule {name}.")
