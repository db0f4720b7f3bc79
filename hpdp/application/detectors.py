"""Detectors: small pure functions from a task's executions to findings.

Each looks at the executions of one subject (or, for schedules, of several) in time order and returns the
findings the evidence supports now; `detect_all` runs them all. They read no store and keep no state, so
the same history always gives the same findings (the insight service stores them and their status).
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from itertools import pairwise
from pathlib import PurePath
from typing import Any

from hpdp.domain.changepoints import StepTest, current_step, level_and_noise
from hpdp.domain.findings import Finding, FindingKind, Severity
from hpdp.domain.ledger import TaskExecution

SAME_STEP = 5  # a step located up to this many executions apart is the same step
STEP_TEST = StepTest()
FAILURE_WINDOW = 20
CELL = "cell:"  # per-cell phases of a run: "cell:3"


# -- naming -------------------------------------------------------------------------------------------------
def label(e: TaskExecution) -> str:
    if e.kind == "load":
        return f"source `{e.subject}`"
    if e.kind in ("run", "experiment_child"):
        return f"notebook `{PurePath(e.subject).name}`"
    if e.kind == "query":
        return f"query {e.subject}"
    return f"transfer `{e.subject}`"


def reference(e: TaskExecution) -> str:
    """The id a person knows the execution by: the run id, the load id, else the execution's own."""
    return str(e.links.get("run_id") or e.links.get("load_id") or e.id)


def noun(e: TaskExecution) -> str:
    return {"load": "load", "run": "run", "experiment_child": "run"}.get(e.kind, "execution")


def seconds(value: float) -> str:
    return f"{value:.2f} s" if value < 10 else f"{value:.1f} s"


# -- duration regression ------------------------------------------------------------------------------------
def duration_regressions(executions: Sequence[TaskExecution], test: StepTest = STEP_TEST) -> list[Finding]:
    """A sustained step up in duration among executions with the same parameters, not explained by rows."""
    groups: dict[str, list[TaskExecution]] = defaultdict(list)
    for e in executions:
        if e.ok:
            groups[e.parameter_key() if e.parameters else ""].append(e)
    found = []
    for runs in groups.values():
        step = current_step([e.duration_s for e in runs], test)
        if step is None:
            continue
        before = runs[max(0, step.index - step.baseline) : step.index]
        after = runs[step.index :]
        if _explained_by_rows(before, after, step.relative):
            continue
        found.append(_regression(runs, before, after, step.before, step.after, step.z))
    return found


def _explained_by_rows(before: list[TaskExecution], after: list[TaskExecution], relative: float) -> bool:
    rows_before = [e.rows for e in before if e.rows]
    rows_after = [e.rows for e in after if e.rows]
    if len(rows_before) < 3 or len(rows_after) < 1:
        return False
    grew = statistics.median(rows_after) / statistics.median(rows_before) - 1
    return grew >= 0.8 * relative


def _regression(
    runs: list[TaskExecution], before: list[TaskExecution], after: list[TaskExecution], old: float, new: float, z: float
) -> Finding:
    first = after[0]
    grown = _grown_phase(before, after)
    rel = new / old - 1 if old else math.inf
    text = (
        f"{label(first).capitalize()} got {rel:.0%} slower from {noun(first)} {reference(first)} on: "
        f"{seconds(old)} before, {seconds(new)} over the {len(after)} {noun(first)}s since"
    )
    if first.parameters:
        text += " (same parameters)"
    if grown is not None:
        name, a, b = grown
        text += f"; its `{name}` phase went from {seconds(a)} to {seconds(b)}"
    k = runs.index(first)
    evidence: dict[str, Any] = {
        "parameters": first.parameters,
        "before_s": round(old, 4),
        "after_s": round(new, 4),
        "step": round(rel, 4),
        "z": round(z, 2),
        "first_slow": reference(first),
        "baseline": [reference(e) for e in before[-10:]],
        "slow": [reference(e) for e in after[:10]],
        "around": [reference(e) for e in runs[max(0, k - SAME_STEP) : k + SAME_STEP + 1]],
    }
    if grown is not None:
        evidence.update(phase=grown[0], phase_before_s=round(grown[1], 4), phase_after_s=round(grown[2], 4))
    severity = Severity.CRITICAL if rel >= 1 else Severity.WARNING
    return Finding.new(FindingKind.DURATION_REGRESSION, first.subject, reference(first), text + ".", severity, evidence)


def _grown_phase(before: list[TaskExecution], after: list[TaskExecution]) -> tuple[str, float, float] | None:
    names = {p for e in [*before, *after] for p in e.phases}
    best = None
    for name in names:
        a = [e.phases[name] for e in before if name in e.phases]
        b = [e.phases[name] for e in after if name in e.phases]
        if len(a) < 3 or not b:
            continue
        growth = statistics.median(b) - statistics.median(a)
        if best is None or growth > best[0]:
            best = (growth, name, statistics.median(a), statistics.median(b))
    return None if best is None or best[0] <= 0 else (best[1], best[2], best[3])


# -- failure rate -------------------------------------------------------------------------------------------
def failure_rate(
    executions: Sequence[TaskExecution], subject: str, what: str, window: int = FAILURE_WINDOW
) -> list[Finding]:
    """The failure rate of the last `window` executions well above the task's own baseline before them."""
    if len(executions) < window:
        return []
    recent, past = executions[-window:], executions[:-window][-100:]
    fails = [e for e in recent if not e.ok]
    base_fails = sum(1 for e in past if not e.ok)
    baseline = (base_fails + 0.5) / (len(past) + 10)  # a prior of 5% weighing as 10 runs
    rate = len(fails) / window
    if rate < max(2 * baseline, baseline + 0.15) or _binomial_tail(len(fails), window, baseline) > 0.01:
        return []
    first = fails[0]
    text = (
        f"{what.capitalize()} failed {len(fails)} of its last {window} {noun(first)}s ({rate:.0%}), "
        f"against {baseline:.0%} before; the failures began with {noun(first)} {reference(first)}"
    )
    codes = sorted({e.error_code for e in fails if e.error_code})
    if codes:
        text += f" (errors: {', '.join(codes[:3])})"
    evidence = {
        "failed": len(fails),
        "window": window,
        "rate": round(rate, 4),
        "baseline_rate": round(baseline, 4),
        "failures": [reference(e) for e in fails],
        "around": [reference(e) for e in fails],
        "subjects": sorted({e.subject for e in executions}),
    }
    severity = Severity.CRITICAL if rate >= 0.5 else Severity.WARNING
    return [Finding.new(FindingKind.FAILURE_RATE, subject, reference(first), text + ".", severity, evidence)]


def _binomial_tail(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p)."""
    return sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k, n + 1))


# -- bottleneck ---------------------------------------------------------------------------------------------
ADVICE = {
    "fetch": "the API is the slow part: larger pages or `prefetch: true` in its sources.yaml entry help",
    "parse": "try `parser: arrow` in its sources.yaml entry",
    "write": "the store write dominates: fewer, larger loads amortise it",
    "commit": "the commit dominates: fewer, larger loads amortise it",
    "queue_wait": "runs wait for a worker: add workers (HPDP_QUEUE_WORKERS, or more worker processes)",
    "kernel_start": "keep kernels started ahead in a pool (HPDP_RUN_POOL_SIZE, or a worker with a pool)",
    "tracking": "tracking dominates: a local MLflow store (HPDP_MLFLOW_TRACKING_URI) is faster",
}


def bottleneck(executions: Sequence[TaskExecution], share: float = 0.6, min_s: float = 0.5) -> list[Finding]:
    """One phase (or one cell of a notebook) taking most of the recent executions' time."""
    recent = [e for e in executions if e.ok and e.phases][-10:]
    if len(recent) < 3 or statistics.median(e.duration_s for e in recent) < min_s:
        return []
    shares = _shares(recent, lambda p: not p.startswith(CELL))
    name, part = max(shares.items(), key=lambda kv: kv[1], default=("", 0.0))
    if name == "execution":  # a notebook's own work: which cell?
        cells = _shares(recent, lambda p: p.startswith(CELL))
        cell, cell_part = max(cells.items(), key=lambda kv: kv[1], default=("", 0.0))
        if cell_part < share:
            return []
        name, part = cell, cell_part
        advice = "the rest of the notebook is quick; start there"
    elif part < share:
        return []
    else:
        advice = ADVICE.get(name, "")
        parser = recent[-1].config.get("parser")
        if name == "parse" and parser == "arrow":
            advice = "it already uses `parser: arrow`; fewer columns or smaller records help"
    first = recent[0]
    shown = f"cell {name.removeprefix(CELL)}" if name.startswith(CELL) else f"the `{name}` phase"
    text = f"{label(first).capitalize()} spends {part:.0%} of its time in {shown}"
    text += f": {advice}." if advice else "."
    evidence = {"phase": name, "share": round(part, 4), "executions": [reference(e) for e in recent]}
    return [
        Finding.new(FindingKind.BOTTLENECK, first.subject, reference(first), text, Severity.INFO, evidence, key=name)
    ]


def _shares(executions: Iterable[TaskExecution], wanted: Callable[[str], bool]) -> dict[str, float]:
    per: dict[str, list[float]] = defaultdict(list)
    for e in executions:
        total = e.duration_s or sum(e.phases.values())
        if total <= 0:
            continue
        for name, value in e.phases.items():
            if wanted(name):
                per[name].append(value / total)
    return {name: statistics.median(values) for name, values in per.items() if values}


# -- resource outliers --------------------------------------------------------------------------------------
def resource_outliers(executions: Sequence[TaskExecution], min_history: int = 8) -> list[Finding]:
    """The latest execution's peak memory or CPU time far outside the task's own history."""
    done = [e for e in executions if e.ok]
    if len(done) <= min_history:
        return []
    latest, history = done[-1], done[:-1][-50:]
    found = []
    for field, shown in (("peak_rss", "peak memory"), ("cpu_s", "CPU time")):
        past = [float(getattr(e, field)) for e in history if getattr(e, field) is not None]
        value = getattr(latest, field)
        if value is None or len(past) < min_history:
            continue
        level, noise = level_and_noise(past, 0.05)
        if (value - level) / noise < 6 or value < 1.5 * level:
            continue
        text = (
            f"{label(latest).capitalize()} used {_amount(field, value)} of {shown} in {noun(latest)} "
            f"{reference(latest)}, {value / level:.1f}x its usual {_amount(field, level)}"
        )
        evidence = {"resource": field, "value": value, "usual": round(level, 4), "history": len(past)}
        found.append(
            Finding.new(
                FindingKind.RESOURCE_OUTLIER,
                latest.subject,
                reference(latest),
                text + ".",
                Severity.WARNING,
                evidence,
                key=f"{reference(latest)}|{field}",
            )
        )
    return found


def _amount(field: str, value: float) -> str:
    return f"{value / 2**20:,.0f} MB" if field == "peak_rss" else seconds(value)


# -- schedule contention ------------------------------------------------------------------------------------
def schedule_contention(runs: Sequence[TaskExecution], slower: float = 1.3, min_runs: int = 3) -> list[Finding]:
    """Pairs of schedules whose runs, when they overlap, take clearly longer than when they run alone."""
    by_schedule: dict[str, list[TaskExecution]] = defaultdict(list)
    for e in runs:
        if e.ok and e.links.get("schedule"):
            by_schedule[str(e.links["schedule"])].append(e)
    names = sorted(by_schedule)
    found = []
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            alone, together = [], []
            for e in by_schedule[a]:
                overlaps = any(o.started < e.ended and e.started < o.ended for o in by_schedule[b])
                (together if overlaps else alone).append(e.duration_s)
            if len(alone) < min_runs or len(together) < min_runs:
                continue
            ratio = statistics.median(together) / max(statistics.median(alone), 1e-9)
            if ratio < slower:
                continue
            text = (
                f"Schedules `{a}` and `{b}` overlap and slow each other: `{a}` takes {ratio:.1f}x as long "
                f"({seconds(statistics.median(together))} against {seconds(statistics.median(alone))} alone); "
                "move one of them to another time"
            )
            evidence = {"ratio": round(ratio, 3), "overlapping": len(together), "alone": len(alone), "subjects": [a, b]}
            found.append(
                Finding.new(
                    FindingKind.SCHEDULE_CONTENTION, f"{a} + {b}", a, text + ".", Severity.WARNING, evidence, key=b
                )
            )
    return found


# -- data health --------------------------------------------------------------------------------------------
def data_health(loads: Sequence[TaskExecution], now: datetime, min_history: int = 5) -> list[Finding]:
    """The latest load's row count and columns against the source's earlier loads, and its freshness."""
    done = [e for e in loads if e.ok]
    if len(done) <= min_history:
        return []
    latest, history = done[-1], done[:-1][-30:]
    issues: list[str] = []
    evidence: dict[str, Any] = {}
    rows = [float(e.rows) for e in history if e.rows is not None]
    if latest.rows is not None and len(rows) >= min_history:
        level, noise = level_and_noise(rows, 0.05)
        z = (latest.rows - level) / noise
        if abs(z) > 4 and not 0.6 * level <= latest.rows <= 1.67 * level:
            issues.append(f"{latest.rows:,} rows against a usual {level:,.0f}")
            evidence.update(rows=latest.rows, usual_rows=level)
    drift = _column_drift(latest, history, min_history)
    if drift:
        issues.append("; ".join(drift))
        evidence["columns"] = drift
    found = []
    if issues:
        text = f"Load {reference(latest)} of {label(latest)} looks unusual: " + "; ".join(issues)
        found.append(
            Finding.new(
                FindingKind.DATA_HEALTH, latest.subject, reference(latest), text + ".", Severity.WARNING, evidence
            )
        )
    found.extend(_freshness(done, now))
    return found


def _column_drift(latest: TaskExecution, history: Sequence[TaskExecution], min_history: int) -> list[str]:
    columns = latest.config.get("columns") or {}
    notes = []
    for name, stats in columns.items():
        past = [e.config.get("columns", {}).get(name) for e in history]
        past = [p for p in past if p]
        if len(past) < min_history:
            continue
        nulls = [p.get("nulls", 0.0) for p in past]
        if stats.get("nulls", 0.0) - max(nulls) > 0.2:
            notes.append(f"column `{name}` is {stats['nulls']:.0%} null against at most {max(nulls):.0%} before")
        distinct = [p["distinct"] for p in past if p.get("distinct") is not None]
        if stats.get("distinct") is not None and len(distinct) >= min_history:
            level = statistics.median(distinct)
            if level > 0 and not 0.5 * level <= stats["distinct"] <= 2 * level:
                notes.append(f"column `{name}` has {stats['distinct']:.0%} distinct values against {level:.0%}")
        means = [p["mean"] for p in past if p.get("mean") is not None]
        if stats.get("mean") is not None and len(means) >= min_history:
            level, noise = level_and_noise(means, 0.01)
            if abs(stats["mean"] - level) / noise > 6:
                notes.append(f"column `{name}` averages {stats['mean']:.4g} against {level:.4g}")
    return notes


def _freshness(done: Sequence[TaskExecution], now: datetime, late: float = 3.0) -> list[Finding]:
    gaps = [(b.started - a.started).total_seconds() for a, b in pairwise(done)]
    if len(gaps) < 5:
        return []
    usual = statistics.median(gaps)
    latest = done[-1]
    waited = (now - latest.ended).total_seconds()
    if usual <= 0 or waited < max(late * usual, 60):
        return []
    text = (
        f"{label(latest).capitalize()} has not loaded for {_span(waited)}; it usually loads every {_span(usual)} "
        f"(last load {reference(latest)})"
    )
    evidence = {"waited_s": round(waited, 1), "usual_interval_s": round(usual, 1)}
    return [
        Finding.new(
            FindingKind.DATA_HEALTH,
            latest.subject,
            reference(latest),
            text + ".",
            Severity.WARNING,
            evidence,
            key=f"fresh|{reference(latest)}",
        )
    ]


def _span(s: float) -> str:
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if s >= size:
            return f"{s / size:.1f} {unit}"
    return f"{s:.0f} s"


# -- all ----------------------------------------------------------------------------------------------------
def detect_all(history: Sequence[TaskExecution], now: datetime) -> list[Finding]:
    """Every detector over a history (executions of any subjects, oldest first)."""
    by_subject: dict[tuple[str, str], list[TaskExecution]] = defaultdict(list)
    schedules: dict[str, list[TaskExecution]] = defaultdict(list)
    for e in history:
        by_subject[(e.kind, e.subject)].append(e)
        if e.kind == "run" and e.links.get("schedule"):
            schedules[str(e.links["schedule"])].append(e)
    found: list[Finding] = []
    for (kind, subject), executions in by_subject.items():
        found += duration_regressions(executions)
        found += resource_outliers(executions)
        found += bottleneck(executions)
        if kind == "load":
            found += failure_rate(executions, subject, label(executions[0]))
            found += data_health(executions, now)
        elif kind == "run" and not any(e.links.get("schedule") for e in executions):
            found += failure_rate(executions, subject, label(executions[0]))
    for name, runs in schedules.items():
        found += failure_rate(runs, name, f"schedule `{name}`")
    found += schedule_contention([e for e in history if e.kind == "run"])
    return found
