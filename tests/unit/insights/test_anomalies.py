"""The anomaly detectors on seeded synthetic data."""

from __future__ import annotations

import numpy as np
import pytest

from hpdp.adapters.anomalies.isolation_forest import IsolationForestAnomalyDetector
from hpdp.adapters.anomalies.robust import RobustAnomalyDetector
from hpdp.application.anomalies import AbstractAnomalyDetector, anomalous_values
from hpdp.domain.errors import InvalidInputError

DETECTORS = [RobustAnomalyDetector, IsolationForestAnomalyDetector]


def seeded(n: int = 1000, seed: int = 3) -> tuple[np.ndarray, list[int]]:
    rng = np.random.default_rng(seed)
    data = np.column_stack([rng.normal(100, 10, n), rng.normal(5, 1, n)])
    outliers = [11, 222, 777]
    data[11, 0], data[222, 0], data[777, 1] = 400.0, -150.0, 40.0
    return data, outliers


@pytest.mark.parametrize("detector", DETECTORS, ids=lambda d: d.name)
def test_each_detector_finds_the_seeded_outliers_first(detector: type[AbstractAnomalyDetector]) -> None:
    data, outliers = seeded()
    result = detector().detect(data)
    assert set(outliers) <= set(np.flatnonzero(result.anomalous))
    top = set(np.argsort(-result.scores)[: len(outliers)])
    assert top == set(outliers)


@pytest.mark.parametrize("detector", DETECTORS, ids=lambda d: d.name)
def test_missing_values_take_the_median_and_an_empty_table_has_no_anomalies(
    detector: type[AbstractAnomalyDetector],
) -> None:
    data, outliers = seeded()
    data[5, 1] = np.nan
    result = detector().detect(data)
    assert not result.anomalous[5] and set(outliers) <= set(np.flatnonzero(result.anomalous))
    empty = detector().detect(np.empty((0, 2)))
    assert empty.scores.shape == (0,) and not empty.anomalous.any()


def test_robust_scores_ignore_the_outliers_they_look_for() -> None:
    values = np.array([10.0, 11, 9, 10, 10.5, 9.5, 10, 1000])  # the mean and sd would hide 1000 less well
    result = RobustAnomalyDetector().detect(values)
    assert list(np.flatnonzero(result.anomalous)) == [7]


def test_robust_falls_back_to_the_mean_deviation_when_most_values_are_equal() -> None:
    values = np.array([5.0] * 50 + [6.0, 500.0])  # the MAD is 0 here
    result = RobustAnomalyDetector().detect(values)
    assert list(np.flatnonzero(result.anomalous)) == [51]
    constant = RobustAnomalyDetector().detect(np.full(20, 3.0))
    assert not constant.anomalous.any() and np.all(constant.scores == 0)


def test_robust_flags_little_of_pure_noise() -> None:
    rng = np.random.default_rng(8)
    result = RobustAnomalyDetector().detect(rng.normal(0, 1, (5000, 1)))
    assert result.anomalous.sum() <= 10  # two-sided tail beyond 3.5 sigma: about 2 in 5000


def test_isolation_forest_sees_a_combination_each_column_finds_ordinary() -> None:
    rng = np.random.default_rng(4)
    x = rng.normal(0, 1, 2000)
    data = np.column_stack([x, x + rng.normal(0, 0.05, 2000)])
    data[42] = [1.5, -1.5]  # each value is ordinary on its own; together they are far off the line
    assert not RobustAnomalyDetector().detect(data).anomalous[42]
    assert IsolationForestAnomalyDetector().detect(data).anomalous[42]


def test_run_metrics_series_report_positions() -> None:
    durations = [10.2, 9.8, 10.1, 10.0, 9.9, 30.0, 10.3, 10.1]
    assert anomalous_values(RobustAnomalyDetector(), durations) == [5]


def test_a_three_dimensional_input_is_refused() -> None:
    with pytest.raises(InvalidInputError):
        RobustAnomalyDetector().detect(np.zeros((2, 2, 2)))
