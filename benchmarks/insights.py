"""Insights targets, one function per section.

    .venv/bin/python benchmarks/insights.py [--section prediction] [--tasks 2000] [--runs 20]

Prediction (target: after 5 runs of a task, median absolute error <= 25% and the 80% interval covers
75-85% of runs):
1. synthetic histories: for each of `--tasks` tasks, a base duration (1 s to 10 min) and a run-to-run variation
   (5-25%, log-normal); the model sees 5 runs and predicts the 6th. A second set varies a parameter (input
   rows) and predicts a size never run before from 12 earlier runs.
2. real runs: a small notebook run `--runs` times in this process (HPDP_TRACKER=memory); from the 6th run on,
   each is predicted from the runs before it, then run, and compared.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hpdp.adapters.durations.history import HistoryDurationModel  # noqa: E402
from hpdp.application.durations import PredictionRecord, accuracy_of  # noqa: E402
from hpdp.domain.durations import DurationSample  # noqa: E402


def _line(name: str, records: list[PredictionRecord], note: str = "") -> dict[str, Any]:
    accuracy = accuracy_of(records)
    mdape, coverage = accuracy.median_abs_error or 0.0, accuracy.coverage or 0.0
    ok = mdape <= 0.25 and 0.75 <= coverage <= 0.85
    print(
        f"  {name:<44} n={accuracy.runs:>5}  median abs error {mdape:6.1%}  80% interval covers {coverage:6.1%}"
        f"  {'PASS' if ok else 'MISS'}{note}"
    )
    return {"name": name, **accuracy.as_dict(), "pass": ok}


def synthetic_same_parameters(tasks: int, seed: int, history: int = 5) -> list[PredictionRecord]:
    rng, model, out = np.random.default_rng(seed), HistoryDurationModel(), []
    for i in range(tasks):
        base, noise = math.exp(rng.uniform(0, math.log(600))), rng.uniform(0.05, 0.25)
        seen = base * np.exp(rng.normal(0, noise, history + 1))
        samples = [DurationSample({"day": "any"}, float(d)) for d in seen[:history]]
        estimate, low, high = model.predict("task", {"day": "any"}, samples)
        out.append(PredictionRecord(str(i), "task", estimate, low, high, float(seen[history])))  # type: ignore[arg-type]
    return out


def synthetic_new_size(tasks: int, seed: int) -> list[PredictionRecord]:
    """Duration = a + b * rows^k with noise; 12 runs at three sizes, then one at a size never run."""
    rng, model, out = np.random.default_rng(seed), HistoryDurationModel(), []
    for i in range(tasks):
        unit, power, noise = rng.uniform(1e-5, 1e-3), rng.uniform(0.8, 1.1), rng.uniform(0.05, 0.2)

        def duration(rows: int, unit: float = unit, power: float = power, noise: float = noise) -> float:
            return float(unit * rows**power * math.exp(rng.normal(0, noise)))

        sizes = [10_000, 20_000, 40_000] * 4
        samples = [DurationSample({"rows": r}, duration(r)) for r in sizes]
        estimate, low, high = model.predict("task", {"rows": 80_000}, samples)
        out.append(PredictionRecord(str(i), "task", estimate, low, high, duration(80_000)))  # type: ignore[arg-type]
    return out


def real_runs(runs: int) -> list[PredictionRecord]:
    from hpdp.infrastructure.container import Container
    from hpdp.infrastructure.settings import Settings
    from tests.notebook_factory import write_notebook

    out: list[PredictionRecord] = []
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder) / "ws"
        job = write_notebook(
            Path(folder) / "task.ipynb", "rows = 1\n", "import numpy as np\ntotal = np.arange(rows).sum()"
        )
        settings = Settings(home=home, tracker="memory", run_kernel="python3")
        with Container(settings, pool_size=1) as c:
            from hpdp.domain.runs import RunRequest

            service, durations = c.runs(), c.durations()
            for i in range(runs):
                prediction = durations.predict(str(job.resolve()), {"rows": 2_000_000})
                t0 = time.perf_counter()
                record = service.run(RunRequest(str(job), {"rows": 2_000_000}))
                took = time.perf_counter() - t0
                if i >= 5 and prediction.available:
                    estimate, low, high = prediction
                    out.append(PredictionRecord(record.id, "task", estimate, low, high, record.duration_s))  # type: ignore[arg-type]
                shown = f"{record.duration_s:.2f} s (wall {took:.2f} s)"
                print(f"    run {i + 1:>2}: {shown}; predicted {prediction.sentence()}")
    return out


def prediction(tasks: int = 2000, runs: int = 20, seed: int = 20261202) -> list[dict[str, Any]]:
    print("Prediction (after 5 runs: median abs error <= 25%, 80% interval covers 75-85%)")
    lines = [
        _line("synthetic, same parameters, 5 earlier runs", synthetic_same_parameters(tasks, seed)),
        _line("synthetic, a size never run (12 earlier runs)", synthetic_new_size(tasks, seed + 1)),
    ]
    records = real_runs(runs)
    errors = [abs(r.actual - r.estimate) / r.actual for r in records if r.actual]
    spread = f" (errors {min(errors):.1%} to {max(errors):.1%})" if errors else ""
    lines.append(_line(f"real notebook runs, runs 6 to {runs}", records, spread))
    return lines


SECTIONS = {"prediction": prediction}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--section", choices=sorted(SECTIONS), action="append")
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    for name in args.section or list(SECTIONS):
        if name == "prediction":
            prediction(args.tasks, args.runs)
        else:
            SECTIONS[name]()


if __name__ == "__main__":
    main()
