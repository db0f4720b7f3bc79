"""`hpdp advise engines TABLE`: which dataframe engine is faster on this table, measured here."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from hpdp.presentation.cli.context import container

advise_app = typer.Typer(help="Advice measured on your own data.", no_args_is_help=True)


@advise_app.command()
def engines(
    table: Annotated[str, typer.Argument(help="Table to run the engines on.")],
    task: Annotated[str, typer.Option(help="profile or aggregate.")] = "aggregate",
    repeat: Annotated[int, typer.Option(help="Rounds; each engine runs once a round, interleaved.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Run the Polars and Pandas processors on TABLE, interleaved, and store the advice as a finding."""
    with container() as c:
        advice = c.engine_advice().advise(table, task, repeat)
    if as_json:
        print(json.dumps(advice.as_dict(), default=str, indent=2))
        return
    for name, times in advice.seconds.items():
        shown = ", ".join(f"{t * 1000:.1f}" for t in times)
        print(f"  {name:<8} ms per round: {shown}")
    print(advice.finding.message)
    print(f"Stored as finding {advice.finding.id}.")
