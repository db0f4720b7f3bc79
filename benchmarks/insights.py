"""Figures of the execution ledger and the findings engine, each section one function; prints the targets.

    python benchmarks/insights.py [--quick] [--section NAME ...]

Sections:
  regression_detection  seeded synthetic histories: a +30% step found within 3 runs at 10% noise and within 5
                        runs at 20% (after 10-30 baseline runs), false findings per 100 runs of a stable task,
                        and false/missed shares over a mixed set of injected steps. Noise is Gaussian with the
                        given coefficient of variation (10% means a standard deviation of 10% of the level);
                        one stable line adds spikes (3% of runs 2-4x slower). The detector is asked after
                        every run, as the service asks it; findings placed within SAME_STEP runs of each
                        other are one finding (the service merges them and keeps the latest placement).
                        A finding is true when the run it names as the first slow one is at most DELAY
                        (1) run from it: a run just before the step that is as slow as the new level is,
                        on the evidence, as likely the first slow run (changepoint benchmarks such as
                        TCPDBench allow 5); the share naming it exactly is printed too. "Found within k
                        runs": a true finding is open once the k-th slow run has arrived. For scale, the
                        power of an oracle told where the step is (one one-sided t-test at 1%) is printed:
                        no detector that must also find the step does better at this false-alarm rate.
  changepoint_speed     change points of a 1,000-point series
  insights_scale        `hpdp insights` over 10k executions in a DuckLake ledger: the refresh and listing in one
                        process, and the whole command in a fresh process
  recording_cost        what recording adds to an ingest load of 300k rows: the recorder's own work on the
                        task's path timed directly, loads with and without it as interleaved pairs, and the
                        writer thread's commit and findings refresh awaited
  prediction            after 5 runs of a task, median absolute error <= 25% and the 80% interval covering 75-85%
                        of runs: synthetic histories (base 1 s to 10 min, log-normal variation 5-25%; the model
                        sees 5 runs and predicts the 6th), a size never run before (12 earlier runs at three
                        sizes), and a real notebook run again and again, each run predicted from the ledger's
                        history of the runs before it
Other sections are functions added to SECTIONS.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hpdp.application.detectors import SAME_STEP
from hpdp.application.durations import PredictionRecord, accuracy_of
from hpdp.domain.changepoints import current_step, steps
from hpdp.domain.durations import DurationSample
from hpdp.domain.ledger import TaskExecution

DELAY = 1  # a finding may name the run before or after the first slow one


def _series(
    rng: random.Random, baseline: int, noise: float, step: float, after: int, spikes: float = 0.0
) -> list[float]:
    level = 10.0
    values = [level * (1 + rng.gauss(0, noise)) for _ in range(baseline)] + [
        level * (1 + step) * (1 + rng.gauss(0, noise)) for _ in range(after)
    ]
    return [v * rng.uniform(2, 4) if rng.random() < spikes else v for v in values]


def _findings_over_time(values: list[float], first: int) -> list[int]:
    """The findings raised as the runs come in (from run `first` on), each as the service keeps it: a step
    placed within SAME_STEP runs of a raised one is that finding, now naming the new first slow run."""
    raised: list[int] = []
    for end in range(first, len(values) + 1):
        step = current_step(values[:end])
        if step is None:
            continue
        near = [n for n, i in enumerate(raised) if abs(step.index - i) <= SAME_STEP]
        if near:
            raised[near[-1]] = step.index
        else:
            raised.append(step.index)
    return raised


def _true(index: int, baseline: int) -> bool:
    return abs(index - baseline) <= DELAY


def _detected_within(noise: float, runs: int, trials: int, seed: int) -> tuple[float, float]:
    """The share of histories with a true finding once `runs` slow runs arrived, and naming it exactly."""
    rng = random.Random(seed)
    hits = exact = 0
    for _ in range(trials):
        baseline = rng.randint(10, 30)
        step = current_step(_series(rng, baseline, noise, 0.3, runs))
        hits += step is not None and _true(step.index, baseline)
        exact += step is not None and step.index == baseline
    return hits / trials, exact / trials


def _oracle(noise: float, runs: int, alpha: float = 0.01) -> float:
    """Mean power over baselines of 10-30 runs of a one-sided two-sample t-test on log durations, at the
    known step: the ceiling for a detector that must also find where the step is."""
    import math

    from scipy import stats

    shift = math.log(1.3) / noise
    powers = []
    for n in range(10, 31):
        df = n + runs - 2
        centre = shift / math.sqrt(1 / runs + 1 / n)
        powers.append(float(stats.nct.sf(stats.t.ppf(1 - alpha, df), df, centre)))
    return statistics.fmean(powers)


def regression_detection(quick: bool) -> list[str]:
    trials = 150 if quick else 400
    lines = []
    for noise, runs, seed in ((0.10, 3, 1), (0.20, 5, 2)):
        found, exact = _detected_within(noise, runs, trials, seed)
        lines.append(
            f"+30% step, {noise:.0%} noise, found within {runs} runs: {found:.1%} of {trials} histories "
            f"(target: all; {exact:.1%} naming the first slow run exactly; an oracle told where the step is: "
            f"{_oracle(noise, runs):.1%})"
        )
    rng = random.Random(3)
    for noise, spikes in ((0.05, 0.0), (0.10, 0.0), (0.20, 0.0), (0.10, 0.03)):
        false, runs = 0, 0
        for _ in range(trials // 4):
            values = _series(rng, 110, noise, 0.0, 0, spikes)
            false += len(_findings_over_time(values, 11))
            runs += 100
        shown = f"{noise:.0%} noise" + (f", {spikes:.0%} of runs spikes" if spikes else "")
        lines.append(f"stable task, {shown}: {100 * false / runs:.2f} false findings per 100 runs (<= 1)")
    found = false = missed = 0
    for _ in range(trials):
        baseline = rng.randint(10, 30)
        noise = rng.choice([0.05, 0.10, 0.15, 0.20])
        step = rng.choice([0.3, 0.5, 1.0])
        raised = _findings_over_time(_series(rng, baseline, noise, step, 10), 11)
        true = [i for i in raised if _true(i, baseline)]
        found += bool(true)
        missed += not true
        false += len(raised) - len(true[:1])
    lines.append(
        f"mixed set ({trials} steps of +30/50/100% at 5-20% noise): {false / max(found + false, 1):.1%} of findings "
        f"false (<= 10%), {missed / trials:.1%} of steps missed (<= 5%)"
    )
    return lines


def changepoint_speed(quick: bool) -> list[str]:
    values = _series(random.Random(4), 500, 0.1, 0.3, 500)
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        steps(values)
        times.append(time.perf_counter() - t0)
    return [f"change points of a 1,000-point series: {1000 * statistics.median(times):.1f} ms (< 100 ms)"]


def _history(n: int) -> Iterator[TaskExecution]:
    """n executions over 50 notebooks, 30 sources and 20 queries, some with a step or failures."""
    rng = random.Random(5)
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    subjects = [("run", f"nb/job{i}.ipynb") for i in range(50)] + [("load", f"src{i}") for i in range(30)]
    subjects += [("query", f"q:{i:012x}") for i in range(20)]
    per = n // len(subjects)
    for s, (kind, subject) in enumerate(subjects):
        slow = s % 7 == 0
        for i in range(per):
            seconds = 2.0 * (1.4 if slow and i > per - 5 else 1.0) * (1 + rng.gauss(0, 0.05))
            start = t0 + timedelta(minutes=10 * i + s)
            yield TaskExecution(
                id=uuid.uuid4().hex,
                kind=kind,
                subject=subject,
                started=start,
                ended=start + timedelta(seconds=seconds),
                phases={"fetch": seconds * 0.3, "parse": seconds * 0.7} if kind == "load" else {},
                rows=1000 if kind == "load" else None,
                outcome="failed" if rng.random() < 0.02 else "ok",
                links={"run_id": f"r{s}-{i}"} if kind == "run" else {"load_id": f"l{s}-{i}"},
            )


def insights_scale(quick: bool) -> list[str]:
    from hpdp.infrastructure.container import Container
    from hpdp.infrastructure.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        with Container(Settings(home=home, tracker="memory")) as c:
            c.ledger().record_many(_history(10_000))
        times, count = [], 0
        for _ in range(3):
            with Container(Settings(home=home, tracker="memory")) as c:
                t0 = time.perf_counter()
                service = c.insights()
                service.refresh()
                count = len(service.open())
                times.append(time.perf_counter() - t0)
        env = {**os.environ, "HPDP_HOME": str(home), "HPDP_TRACKER": "memory"}
        t0 = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "hpdp", "insights", "--json"], env=env, capture_output=True)
        command = time.perf_counter() - t0
        assert done.returncode == 0, done.stderr
        listed = len(json.loads(done.stdout))
    return [
        f"insights over 10,000 executions: refresh and list {statistics.median(times):.2f} s (< 1 s), "
        f"{count} open findings",
        f"`hpdp insights --json` as a new process (start-up included): {command:.2f} s, {listed} findings",
    ]


class _Pages:
    """A source of `rows` generated rows in pages of 50,000 (no network: the load's own work is measured)."""

    def __init__(self, spec: Any, rows: int) -> None:
        self.spec, self.rows = spec, rows

    def __enter__(self) -> _Pages:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def pages(self, start: Any) -> Iterator[Any]:
        import pyarrow as pa

        from hpdp.application.sources import Page

        for offset in range(0, self.rows, 50_000):
            n = min(50_000, self.rows - offset)
            ids = pa.array(range(offset, offset + n), pa.int64())
            data = pa.table({"id": ids, "v": pa.array([i * 0.5 for i in range(n)]), "s": pa.array(["x"] * n)})
            yield Page(data, f"page {offset}")


def recording_cost(quick: bool) -> list[str]:
    """Two ways: the recorder's own work on a load's path, timed directly (it is small beside a load's noise),
    and loads with and without a recorder, interleaved, as paired differences with their spread."""
    import yaml

    from hpdp.adapters.memory_ledger import InMemoryLedger
    from hpdp.application.profile import column_profile
    from hpdp.application.recording import Recorder
    from hpdp.infrastructure.container import Container
    from hpdp.infrastructure.parts import build_ingestion
    from hpdp.infrastructure.settings import Settings

    rows = 300_000
    rounds = 10 if quick else 40
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        source = {"kind": "memory", "url": "memory://gen", "table": "gen", "mode": "replace"}
        (home / "sources.yaml").write_text(yaml.safe_dump({"sources": {"gen": source}}))
        opener: Callable[[Any], Any] = lambda spec: _Pages(spec, rows)  # noqa: E731
        with Container(Settings(home=home, tracker="memory"), open_source=opener) as c:
            recorded = c.ingestion()
            plain = build_ingestion(c.settings, c.registries, c.store(), opener, c.clock, c.events)
            recorder = c.recorder()
            plain.ingest("gen")
            recorded.ingest("gen")
            recorder.flush()
            bare, diffs, awaited = [], [], []
            for i in range(rounds):  # interleaved, the first to go alternating: the machine's load falls on both
                took: dict[bool, float] = {}
                for with_recorder in (False, True) if i % 2 == 0 else (True, False):
                    t0 = time.perf_counter()
                    (recorded if with_recorder else plain).ingest("gen")
                    took[with_recorder] = time.perf_counter() - t0
                    recorder.flush()
                    if with_recorder:
                        awaited.append(time.perf_counter() - t0)
                bare.append(took[False])
                diffs.append(took[True] - took[False])
            data = c.store().sql("SELECT * FROM gen", format="arrow")
            quiet = Recorder(InMemoryLedger())  # the same path, with a writer whose own work is near nothing
            task_s = _median_time(lambda: _empty_task(quiet), 200)
            profile_s = _median_time(lambda: column_profile(data), 20)
            quiet.close()
    base = statistics.median(bare)
    own = task_s + profile_s
    q1, _, q3 = statistics.quantiles(diffs, n=4)
    whole = statistics.median(awaited) - base
    error = statistics.stdev(diffs) / len(diffs) ** 0.5
    return [
        f"recording a {rows:,}-row load ({base:.3f} s): the recorder's own work on the task's path "
        f"{1000 * own:.2f} ms ({own / base:.2%}, target < 1%): the task's timing and record "
        f"{1000 * task_s:.3f} ms, the column profile {1000 * profile_s:.2f} ms",
        f"  loads with and without a recorder, {rounds} interleaved pairs: mean difference "
        f"{1000 * statistics.fmean(diffs):+.1f} ms, standard error {1000 * error:.1f} ms; median "
        f"{1000 * statistics.median(diffs):+.1f} ms, middle half {1000 * q1:+.1f} to {1000 * q3:+.1f} ms "
        "(a load's own run-to-run spread hides a cost this small)",
        f"  with the ledger's commit and the findings refresh awaited (the writer thread's work): "
        f"{1000 * whole:+.0f} ms ({whole / base:+.1%})",
    ]


def _empty_task(recorder: Any) -> None:
    with recorder.task("load", "bench-empty") as measure:
        for name in ("fetch", "parse", "write", "commit"):
            with measure.phase(name):
                pass


def _median_time(call: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        call()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _accuracy_line(name: str, records: list[PredictionRecord], note: str = "") -> str:
    accuracy = accuracy_of(records)
    mdape, coverage = accuracy.median_abs_error or 0.0, accuracy.coverage or 0.0
    ok = mdape <= 0.25 and 0.75 <= coverage <= 0.85
    return (
        f"{name:<46} n={accuracy.runs:>5}  median abs error {mdape:6.1%}  80% interval covers {coverage:6.1%}"
        f"  {'PASS' if ok else 'MISS'}{note}"
    )


def _same_parameters(tasks: int, seed: int, history: int = 5) -> list[PredictionRecord]:
    import math

    import numpy as np

    from hpdp.adapters.durations.history import HistoryDurationModel

    rng, model, out = np.random.default_rng(seed), HistoryDurationModel(), []
    for i in range(tasks):
        base, noise = math.exp(rng.uniform(0, math.log(600))), rng.uniform(0.05, 0.25)
        seen = base * np.exp(rng.normal(0, noise, history + 1))
        samples = [DurationSample({"day": "any"}, float(d)) for d in seen[:history]]
        estimate, low, high = model.predict("task", {"day": "any"}, samples)
        out.append(PredictionRecord(str(i), "task", estimate, low, high, float(seen[history])))  # type: ignore[arg-type]
    return out


def _new_size(tasks: int, seed: int) -> list[PredictionRecord]:
    """Duration = a * rows^k with noise; 12 runs at three sizes, then one at a size never run."""
    import math

    import numpy as np

    from hpdp.adapters.durations.history import HistoryDurationModel

    rng, model, out = np.random.default_rng(seed), HistoryDurationModel(), []
    for i in range(tasks):
        unit, power, noise = rng.uniform(1e-5, 1e-3), rng.uniform(0.8, 1.1), rng.uniform(0.05, 0.2)

        def duration(rows: int, unit: float = unit, power: float = power, noise: float = noise) -> float:
            return float(unit * rows**power * math.exp(rng.normal(0, noise)))

        samples = [DurationSample({"rows": r}, duration(r)) for r in [10_000, 20_000, 40_000] * 4]
        estimate, low, high = model.predict("task", {"rows": 80_000}, samples)
        out.append(PredictionRecord(str(i), "task", estimate, low, high, duration(80_000)))  # type: ignore[arg-type]
    return out


def _real_runs(runs: int) -> tuple[list[PredictionRecord], list[str]]:
    """A notebook run `runs` times; from the 6th run on each is predicted from the ledger before it runs."""
    from hpdp.domain.runs import RunRequest
    from hpdp.infrastructure.container import Container
    from hpdp.infrastructure.settings import Settings

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository, for the test helpers
    from tests.notebook_factory import write_notebook

    out: list[PredictionRecord] = []
    shown: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        job = write_notebook(
            Path(folder) / "task.ipynb", "rows = 1\n", "import numpy as np\ntotal = np.arange(rows).sum()"
        )
        settings = Settings(home=Path(folder) / "ws", tracker="memory", run_kernel="python3")
        with Container(settings, pool_size=1) as c:
            service, durations, recorder = c.runs(), c.durations(), c.recorder()
            for i in range(runs):
                prediction = durations.predict(str(job.resolve()), {"rows": 2_000_000})
                record = service.run(RunRequest(str(job), {"rows": 2_000_000}))
                recorder.flush()  # the next prediction sees this run in the ledger
                if i >= 5 and prediction.available:
                    estimate, low, high = prediction
                    out.append(PredictionRecord(record.id, "task", estimate, low, high, record.duration_s))  # type: ignore[arg-type]
                shown.append(f"  run {i + 1:>2}: {record.duration_s:.2f} s; predicted {prediction.sentence()}")
    return out, shown


def prediction(quick: bool) -> list[str]:
    tasks, runs, seed = (200, 10, 20261202) if quick else (2000, 20, 20261202)
    lines = [
        _accuracy_line("synthetic, same parameters, 5 earlier runs", _same_parameters(tasks, seed)),
        _accuracy_line("synthetic, a size never run (12 earlier runs)", _new_size(tasks, seed + 1)),
    ]
    records, shown = _real_runs(runs)
    errors = [abs(r.actual - r.estimate) / r.actual for r in records if r.actual]
    spread = f" (errors {min(errors):.1%} to {max(errors):.1%})" if errors else ""
    return [*lines, _accuracy_line(f"real notebook runs, runs 6 to {runs}", records, spread), *shown]


SECTIONS: list[Callable[[bool], list[str]]] = [
    regression_detection,
    changepoint_speed,
    insights_scale,
    recording_cost,
    prediction,
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer histories and rounds")
    parser.add_argument("--section", action="append", choices=[s.__name__ for s in SECTIONS], help="only these")
    args = parser.parse_args()
    for section in SECTIONS:
        if args.section and section.__name__ not in args.section:
            continue
        print(f"== {section.__name__}")
        for line in section(args.quick):
            print(f"   {line}")


if __name__ == "__main__":
    main()
