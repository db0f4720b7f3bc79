"""`hpdp experiment run FILE` and `hpdp experiment compare NAME`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from hpdp.domain.errors import TaskFailedError
from hpdp.presentation.cli.context import container

experiment_app = typer.Typer(help="Parameter grids run as child runs of one MLflow run.", no_args_is_help=True)


@experiment_app.command("run")
def run(
    file: Annotated[Path, typer.Argument(help="experiments/NAME.yaml")],
    timeout: Annotated[float | None, typer.Option(help="Give up waiting after this many seconds.")] = None,
    pool: Annotated[int, typer.Option(help="Warm kernels kept ready (thread queue).")] = 1,
) -> None:
    """Run the grid through the queue and wait; prints the ranked comparison."""
    with container(pool_size=pool) as c:
        experiments = c.experiments()
        spec = experiments.load(file)
        print(
            f"Experiment {spec.name}: {len(spec.combinations())} runs of {Path(spec.notebook).name} "
            f"on the {experiments.queue_name} queue.",
            flush=True,
        )
        outcome = experiments.run(spec, timeout)
    failed, records = outcome.failed, outcome.records
    print(f"Parent run {outcome.parent}: {len(records) - len(failed)} finished, {len(failed)} failed.")
    for r in failed:
        print(f"  {r.id}: {r.status.value} {r.reason or ''}")
    _show(outcome.ranking, spec.metric or "wall_time_s")
    if failed:
        raise TaskFailedError(
            f"{len(failed)} of {len(records)} runs of {spec.name} failed; `hpdp runs --status failed`."
        )


@experiment_app.command("compare")
def compare_(
    name: Annotated[str, typer.Argument(help="Experiment name.")],
    metric: Annotated[str, typer.Option(help="Metric to rank by.")] = "wall_time_s",
    descending: Annotated[bool, typer.Option("--descending", help="Highest first (for scores).")] = False,
) -> None:
    """Rank the parameter combinations of an experiment by a metric."""
    with container(pool_size=0) as c:
        rows = c.experiments().compare(name, metric, descending=descending)
    _show(rows, metric)


def _show(rows: list[dict[str, Any]], metric: str) -> None:
    def num(v: Any) -> str:
        return "-" if v is None else f"{v:.4g}"

    print(f"{'rank':>4} {'mean ' + metric:>20} {'min':>10} {'max':>10} {'runs':>5} {'failed':>6}  parameters")
    for r in rows:
        print(
            f"{r['rank']:>4} {num(r['mean']):>20} {num(r['min']):>10} {num(r['max']):>10} {r['runs']:>5} "
            f"{r['failed']:>6}  {json.dumps(r['parameters'], sort_keys=True)}"
        )
