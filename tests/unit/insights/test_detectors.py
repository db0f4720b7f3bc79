"""Each detector on seeded synthetic executions."""

from __future__ import annotations

import re
from datetime import timedelta

from hpdp.application import detectors
from tests.unit.insights.histories import T0, durations, executions


def test_a_regression_names_the_first_slow_run_the_step_and_the_phase_that_grew():
    values = durations(7, baseline=14, level=5.0, noise=0.03, step=0.4, after=4)
    phases = [{"fetch": v - 1.0, "commit": 1.0} for v in values]
    found = detectors.duration_regressions(executions(values, kind="load", subject="orders", phases=phases))
    assert len(found) == 1
    finding = found[0]
    assert finding.kind == "duration_regression" and finding.subject == "orders" and finding.since == "l14"
    assert re.search(r"Source `orders` got (3[5-9]|4[0-5])% slower from load l14 on", finding.message)
    assert "`fetch` phase went from" in finding.message
    assert finding.evidence["first_slow"] == "l14" and finding.evidence["phase"] == "fetch"


def test_runs_with_other_parameters_are_not_a_baseline_for_each_other():
    small = durations(1, baseline=16, level=1.0, noise=0.03)
    big = durations(2, baseline=4, level=10.0, noise=0.03)  # ten times the rows asked for: ten times as long
    params = [{"rows": 1000}] * 16 + [{"rows": 10000}] * 4
    assert detectors.duration_regressions(executions(small + big, parameters=params)) == []


def test_a_slowdown_that_the_row_count_explains_is_not_a_regression():
    values = durations(3, baseline=14, level=2.0, noise=0.03, step=1.0, after=4)
    rows = [1000] * 14 + [2000] * 4
    assert detectors.duration_regressions(executions(values, kind="load", subject="s", rows=rows)) == []


def test_a_single_slow_run_is_not_a_regression():
    values = durations(4, baseline=18, noise=0.05)
    values[-1] *= 3
    assert detectors.duration_regressions(executions(values)) == []


def test_a_failure_rate_well_above_the_baseline_is_reported_with_enough_runs():
    ok_then_failing = ["ok"] * 40 + ["failed" if i % 2 else "ok" for i in range(20)]
    found = detectors.failure_rate(
        executions([1.0] * 60, kind="load", subject="s", outcome=ok_then_failing), "s", "source `s`"
    )
    assert len(found) == 1 and found[0].evidence["failed"] == 10 and "failed 10 of its last 20" in found[0].message
    few = detectors.failure_rate(executions([1.0] * 10, outcome=["failed"] * 10), "x", "notebook")
    assert few == []  # fewer than 20 runs: no trend to speak of
    steady = ["failed" if i % 10 == 0 else "ok" for i in range(60)]  # always 10%: not a trend
    assert detectors.failure_rate(executions([1.0] * 60, outcome=steady), "x", "notebook") == []


def test_a_phase_taking_most_of_the_time_is_a_bottleneck_with_advice():
    phases = [{"fetch": 0.2, "parse": 1.5, "write": 0.1, "commit": 0.2}] * 5
    found = detectors.bottleneck(executions([2.0] * 5, kind="load", subject="s", phases=phases))
    assert len(found) == 1 and "75% of its time in the `parse` phase" in found[0].message
    assert "parser: arrow" in found[0].message


def test_the_slowest_cell_of_a_notebook_is_its_bottleneck():
    phases = [{"kernel_start": 0.1, "execution": 2.0, "cell:1": 0.1, "cell:2": 1.8, "tracking": 0.1}] * 4
    found = detectors.bottleneck(executions([2.2] * 4, phases=phases))
    assert len(found) == 1 and "in cell 2" in found[0].message


def test_peak_memory_far_outside_the_history_is_a_resource_outlier():
    rss = [100 * 2**20 + i * 2**18 for i in range(12)] + [900 * 2**20]
    found = detectors.resource_outliers(executions([1.0] * 13, peak_rss=rss))
    assert len(found) == 1 and "peak memory" in found[0].message and found[0].since == "r12"
    assert detectors.resource_outliers(executions([1.0] * 13, peak_rss=[*rss[:-1], 110 * 2**20])) == []


def test_overlapping_schedules_that_slow_each_other_are_contention():
    runs = []
    for i in range(8):
        start = T0 + timedelta(hours=i)
        together = i % 2 == 0
        a = executions([3.0 if together else 1.0], subject="a.ipynb", links=[{"schedule": "a"}])[0]
        a = a.but(id=f"a{i}", started=start, ended=start + timedelta(seconds=a.duration_s))
        runs.append(a)
        b_start = start if together else start + timedelta(minutes=30)
        b = executions([1.0], subject="b.ipynb", links=[{"schedule": "b"}])[0]
        runs.append(b.but(id=f"b{i}", started=b_start, ended=b_start + timedelta(seconds=1)))
    found = detectors.schedule_contention(runs)
    assert len(found) == 1 and found[0].subject == "a + b" and "3.0x" in found[0].message


def test_a_load_with_half_its_usual_rows_is_a_data_health_finding():
    rows = [1000] * 8 + [500]
    loads = executions([1.0] * 9, kind="load", subject="orders", rows=rows)
    found = detectors.data_health(loads, loads[-1].ended)
    assert len(found) == 1 and found[0].since == "l8" and "500 rows against a usual 1,000" in found[0].message


def test_column_drift_and_lateness_are_data_health_findings():
    usual = {"price": {"nulls": 0.0, "distinct": 0.5, "mean": 10.0}}
    drifted = {"price": {"nulls": 0.6, "distinct": 0.5, "mean": 30.0}}
    loads = executions([1.0] * 8, kind="load", subject="s", config=[{"columns": usual}] * 7 + [{"columns": drifted}])
    found = detectors.data_health(loads, loads[-1].ended)
    assert "60% null" in found[0].message and "averages 30" in found[0].message
    late = detectors.data_health(loads[:-1], loads[-2].ended + timedelta(hours=10))
    assert any("has not loaded for" in f.message and "every 1.0 h" in f.message for f in late)
