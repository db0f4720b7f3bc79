"""Robust z-scores: distance from the median in units of the median absolute deviation (numpy only).

Median and MAD ignore the outliers they look for, unlike mean and standard deviation. The score of a row is
its largest modified z-score over the columns (Iglewicz and Hoaglin); above 3.5 it is an anomaly.
"""

from __future__ import annotations

import numpy as np

from hpdp.application.anomalies import AbstractAnomalyDetector, Scores

MAD_TO_SIGMA = 1.4826  # MAD of a normal distribution times this is its standard deviation
MEAN_AD_TO_SIGMA = 1.2533  # the same for the mean absolute deviation (used when more than half are equal)


class RobustAnomalyDetector(AbstractAnomalyDetector):
    name = "robust"

    def __init__(self, threshold: float = 3.5) -> None:
        self.threshold = threshold

    def _detect(self, values: np.ndarray) -> Scores:
        median = np.median(values, axis=0)
        deviation = np.abs(values - median)
        scale = MAD_TO_SIGMA * np.median(deviation, axis=0)
        fallback = MEAN_AD_TO_SIGMA * np.mean(deviation, axis=0)
        scale = np.where(scale > 0, scale, fallback)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(scale > 0, deviation / np.where(scale > 0, scale, 1.0), 0.0)
        scores = z.max(axis=1)
        return Scores(scores, scores > self.threshold, self.threshold)
