"""The step test on seeded series: steps found where they start, noise, spikes and small drifts left alone."""

from __future__ import annotations

import pytest

from hpdp.domain.changepoints import current_step, steps
from tests.unit.insights.histories import durations


@pytest.mark.parametrize("seed", range(10))
def test_a_30_percent_step_is_found_at_its_first_slow_point(seed):
    values = durations(seed, baseline=15, noise=0.05, step=0.3, after=5)
    step = current_step(values)
    assert step is not None
    assert step.relative == pytest.approx(0.3, abs=0.1)
    # the first slow point, unless noise put it nearer the old level than the new one
    first = values[15]
    assert step.index == (15 if abs(first - step.before) > abs(first - step.after) else 16)


def test_a_step_twice_the_level_is_found_after_three_points():
    values = durations(1, baseline=12, noise=0.1, step=1.0, after=3)
    assert current_step(values).index == 12


def test_noise_alone_raises_at_most_one_false_regression_per_100_runs():
    raised, runs = set(), 0
    for seed in range(20):
        values = durations(seed, baseline=70, noise=0.1)
        for end in range(11, len(values) + 1):  # as the runs come in
            runs += 1
            step = current_step(values[:end])
            if step is not None:
                raised.add((seed, step.index // 5))  # a step placed a little differently is the same finding
    assert len(raised) <= runs / 100


def test_a_single_spike_is_not_a_step():
    values = durations(3, baseline=20, noise=0.05)
    values[14] *= 3
    assert steps(values) == []
    values.append(values[0])  # a spike as the newest point neither
    values.append(30.0)
    assert current_step(values) is None


def test_a_small_gradual_drift_is_not_a_regression():
    values = [10 * (1 + 0.002 * i) for i in range(40)]  # +8% over 40 points
    assert current_step(values) is None


def test_a_large_gradual_drift_is_reported_as_a_step_once_it_is_clear():
    values = [10 * (1 + 0.02 * i) for i in range(40)]  # +80% over 40 points
    step = current_step(values)
    assert step is not None and step.up and step.index >= 8  # a baseline of 8 points comes first
    assert step.relative > 0.3  # steps up in quick succession are one slowdown from the older level


def test_two_steps_up_in_quick_succession_are_one_slowdown_from_the_first():
    values = durations(6, baseline=20, noise=0.03, step=0.3, after=6)  # 20 runs at 10 s, then 6 at 13 s
    values += durations(7, baseline=0, level=20.0, noise=0.03, after=8)  # then 8 at 20 s
    step = current_step(values)
    assert step is not None and step.index == 20 and step.after / step.before > 1.8  # 10 s to 20 s


def test_a_series_that_comes_back_to_its_level_has_no_current_step():
    values = durations(4, baseline=15, noise=0.05, step=0.5, after=5) + durations(5, baseline=4, noise=0.05)
    assert steps(values)[0].index == 15
    assert current_step(values) is None


def test_a_very_stable_series_does_not_turn_a_tiny_change_into_a_step():
    values = [1.000] * 20 + [1.004] * 5  # elementary#1169: zero spread must not make 0.4% significant
    assert current_step(values) is None


def test_a_spike_followed_by_normal_runs_is_not_a_step():
    values = durations(6, baseline=15, noise=0.1)
    values += [values[0] * 3, *durations(7, baseline=2, noise=0.1)]
    assert current_step(values) is None


@pytest.mark.parametrize("seed", range(5))
def test_a_30_percent_step_at_10_percent_noise_is_found_with_three_slow_runs(seed):
    values = durations(20 + seed, baseline=20, noise=0.1, step=0.3, after=3)
    step = current_step(values)
    assert step is not None and 20 <= step.index <= 21


def test_a_step_is_declared_from_the_runs_up_to_it_only():
    values = durations(8, baseline=15, noise=0.05, step=0.5, after=10)
    [step] = steps(values)
    assert [s.seen for s in steps(values[: step.seen + 1])] == [step.seen]
    assert steps(values[: step.seen]) == []


def test_after_an_improvement_a_regression_is_measured_against_the_new_level():
    values = durations(9, baseline=15, noise=0.05) + durations(10, baseline=15, level=5.0, noise=0.05)
    values += durations(11, baseline=0, level=5.0, noise=0.05, step=0.4, after=4)
    found = steps(values)
    assert [s.up for s in found] == [False, True]
    assert found[1].index == 30 and found[1].before == pytest.approx(5.0, rel=0.05)
