"""`hpdp insights [--json] [--all] [--accuracy]` and `hpdp insights dismiss ID`: findings from the ledger."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from hpdp.presentation.cli.context import container

if TYPE_CHECKING:
    from hpdp.domain.durations import Accuracy

insights_app = typer.Typer(help="Findings about the platform's own tasks, drawn from the execution ledger.")


@insights_app.callback(invoke_without_command=True)
def insights(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list of findings.")] = False,
    all_: Annotated[bool, typer.Option("--all", help="Every finding, whatever its status.")] = False,
    accuracy: Annotated[bool, typer.Option("--accuracy", help="How well run durations were predicted.")] = False,
) -> None:
    """List the open findings (refreshed from the ledger first)."""
    if ctx.invoked_subcommand is not None:
        return
    if accuracy:
        with container() as c:
            figures = c.durations().accuracy()
        _show_accuracy(figures, as_json)
        return
    with container() as c:
        service = c.insights()
        service.refresh()
        findings = service.listing(all_)
    if as_json:
        print(json.dumps([f.as_dict() for f in findings], indent=2, default=str))
        return
    if not findings:
        print("No open findings." if not all_ else "No findings yet; they come from the runs and loads recorded.")
        return
    from hpdp.presentation.cli import render

    rows = [[f.id, f.kind, f.severity, f.status, f.since, f.message] for f in findings]
    render.show_rows(["id", "kind", "severity", "status", "since", "finding"], rows)


def _show_accuracy(figures: Accuracy, as_json: bool) -> None:
    if as_json:
        print(json.dumps(figures.as_dict()))
        return
    if not figures.runs or figures.median_abs_error is None or figures.coverage is None:
        print("No predicted run has finished yet: `hpdp run` predicts a notebook's duration from three earlier runs.")
        return
    print(
        f"{figures.runs} predicted runs: median absolute error {figures.median_abs_error:.0%}, "
        f"80% interval covered {figures.coverage:.0%} of runs."
    )


@insights_app.command()
def dismiss(finding_id: Annotated[str, typer.Argument(help="The finding's id (`hpdp insights` shows it).")]) -> None:
    """Dismiss a finding: it is not raised again for the same evidence."""
    with container() as c:
        finding = c.insights().dismiss(finding_id)
    print(f"Dismissed {finding.id}: {finding.message}")


@insights_app.command()
def accept(finding_id: Annotated[str, typer.Argument(help="The finding's id (`hpdp insights` shows it).")]) -> None:
    """Accept a finding: it stays listed under --all as acknowledged."""
    with container() as c:
        finding = c.insights().accept(finding_id)
    print(f"Accepted {finding.id}: {finding.message}")
