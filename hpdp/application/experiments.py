"""Experiments: a notebook over a parameter grid with repeats, as child runs of one parent tracked run."""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hpdp.application.notebooks import check_parameters, declared_parameters, load_notebook
from hpdp.application.runs import RunService
from hpdp.domain.runs import ExperimentError, ExperimentNotFoundError, ExperimentSpec, RunRecord, RunRequest, RunStatus

KNOWN_KEYS = {"name", "notebook", "grid", "parameters", "repeats", "metric"}


def load_spec(path: str | Path) -> ExperimentSpec:
    """Read `experiments/*.yaml`: name, notebook (relative to the file), grid; parameters, repeats, metric."""
    import yaml

    file = Path(path)
    if not file.is_file():
        raise ExperimentError(f"Experiment file {str(file)!r} does not exist; give the path of a .yaml file.")
    try:
        body = yaml.safe_load(file.read_text())
    except yaml.YAMLError as exc:
        raise ExperimentError(f"{file.name} is not valid YAML ({str(exc).splitlines()[0]}); fix the file.") from None
    if not isinstance(body, dict):
        raise ExperimentError(f"{file.name} must be a mapping with name, notebook and grid; see experiments/.")
    unknown = set(body) - KNOWN_KEYS
    if unknown:
        raise ExperimentError(f"{file.name} has unknown keys {sorted(unknown)}; accepted: {sorted(KNOWN_KEYS)}.")
    for key in ("name", "notebook"):
        if not isinstance(body.get(key), str) or not body[key].strip():
            raise ExperimentError(f"{file.name} needs a text value for {key!r}.")
    grid = body.get("grid") or {}
    if not isinstance(grid, dict) or any(not isinstance(v, list) or not v for v in grid.values()):
        raise ExperimentError(f"{file.name}: grid must map each parameter to a non-empty list of values.")
    repeats = body.get("repeats", 1)
    if not isinstance(repeats, int) or isinstance(repeats, bool) or repeats < 1:
        raise ExperimentError(f"{file.name}: repeats must be a whole number of at least 1, not {repeats!r}.")
    notebook = Path(body["notebook"])
    if not notebook.is_absolute():
        notebook = (file.parent / notebook).resolve()
    return ExperimentSpec(
        name=body["name"],
        notebook=str(notebook),
        grid=grid,
        repeats=repeats,
        metric=body.get("metric"),
        fixed=dict(body.get("parameters") or {}),
    )


@dataclass(frozen=True)
class ExperimentOutcome:
    """The parent tracked run, the finished child runs and their ranked comparison."""

    spec: ExperimentSpec
    parent: str
    records: list[RunRecord]
    ranking: list[dict[str, Any]]

    @property
    def failed(self) -> list[RunRecord]:
        return [r for r in self.records if r.status is not RunStatus.FINISHED]


class ExperimentService:
    """`hpdp experiment run|compare` and notebooks: grids of runs as child runs of one tracked run."""

    def __init__(self, runs: RunService) -> None:
        self.runs = runs

    @property
    def queue_name(self) -> str:
        return self.runs.queue_name

    def load(self, path: str | Path) -> ExperimentSpec:
        return load_spec(path)

    def run(self, spec: ExperimentSpec, timeout_s: float | None = None) -> ExperimentOutcome:
        if not self.runs.has_workers:  # runs execute here: kernels start while the parent run opens
            self.runs.warm()
        parent, records = run_experiment(self.runs, spec, timeout_s)
        return ExperimentOutcome(spec, parent, records, compare(self.runs, spec.name, spec.metric))

    def compare(self, name: str, metric: str | None = None, *, descending: bool = False) -> list[dict[str, Any]]:
        return compare(self.runs, name, metric, descending=descending)

    def names(self, limit: int = 100_000) -> list[str]:
        """Experiments with runs among the newest `limit`: runs that are children of an experiment's run."""
        runs = self.runs.list_runs(limit=limit)
        return sorted({r.request.experiment for r in runs if r.request.experiment and r.request.parent_tracking_id})


def run_experiment(
    service: RunService, spec: ExperimentSpec, timeout_s: float | None = None
) -> tuple[str, list[RunRecord]]:
    """Queue every grid point x repeat as a child of one parent run; wait for them; close the parent."""
    tracker = service.ctx.tracker.get()
    combos = spec.combinations()
    # Check every combination before anything is tracked or queued.
    declared = declared_parameters(load_notebook(spec.notebook))
    for params in combos:
        check_parameters(declared, params, notebook=Path(spec.notebook).name)
    requests = [RunRequest(spec.notebook, params, experiment=spec.name) for params in combos]
    parent = tracker.start_run(
        spec.name,
        f"{spec.name}-{service.ctx.clock():%Y%m%d-%H%M%S}",
        params={
            "grid": json.dumps(spec.grid, default=str),
            "repeats": spec.repeats,
            "notebook": spec.notebook,
        },
        tags={"hpdp.kind": "experiment", "hpdp.version": service.ctx.version},
    )
    records = [service.prepare(RunRequest(**{**r.__dict__, "parent_tracking_id": parent})) for r in requests]
    for record in records:
        service.ctx.queue.submit(record.id)
    done = service.wait([r.id for r in records], timeout_s)
    failed = sum(1 for r in done if r.status is not RunStatus.FINISHED)
    tracker.log_metrics(parent, {"runs": float(len(done)), "runs_failed": float(failed)})
    tracker.end_run(parent, "FINISHED" if failed == 0 else "FAILED")
    return parent, done


def compare(
    service: RunService, name: str, metric: str | None = None, *, descending: bool = False
) -> list[dict[str, Any]]:
    """One row per parameter combination: runs, mean/min/max of the metric; ranked (lowest mean first)."""
    tracker = service.ctx.tracker.get()
    children = tracker.child_runs(name)
    if not children:
        raise ExperimentNotFoundError(f"Experiment {name!r} has no runs yet.")
    metric = metric or "wall_time_s"
    groups: dict[str, list[dict[str, Any]]] = {}
    for run in children:
        key = json.dumps(run["params"], sort_keys=True)
        groups.setdefault(key, []).append(run)
    rows = []
    for key, runs in groups.items():
        values = [r["metrics"][metric] for r in runs if metric in r["metrics"] and r["status"] == "FINISHED"]
        rows.append(
            {
                "parameters": json.loads(key),
                "runs": len(runs),
                "failed": sum(1 for r in runs if r["status"] != "FINISHED"),
                "mean": statistics.fmean(values) if values else None,
                "min": min(values) if values else None,
                "max": max(values) if values else None,
            }
        )
    if all(r["mean"] is None for r in rows):
        known = sorted({m for r in children for m in r["metrics"]})
        raise ExperimentError(
            f"No finished run of {name!r} has metric {metric!r}; its metrics are: {', '.join(known)}."
        )
    rows.sort(key=lambda r: (r["mean"] is None, -(r["mean"] or 0) if descending else (r["mean"] or 0)))
    for rank, row in enumerate(rows, 1):
        row["rank"] = rank
    return rows
