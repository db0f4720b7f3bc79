"""Durations from a task's own history, in pure numpy.

With at least three earlier runs with the same parameters: their geometric mean, and an 80% prediction
interval on the log scale (Student's t, so that five runs give a wide enough interval). Otherwise, with enough
runs overall, a least-squares line on logs over the numeric parameters and input rows (durations scale by
factors, so logs make the noise even). Otherwise no estimate.
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Any

import numpy as np

from hpdp.adapters.anomalies.robust import RobustAnomalyDetector
from hpdp.application.durations import AbstractDurationModel, same_parameters
from hpdp.domain.durations import MIN_RUNS, DurationSample, Prediction

COVERAGE = 0.80
OUTLIER_Z = 5.0  # robust z-score beyond which a past run is left out of the estimate
WINDOW = 20  # the latest runs with these parameters: older ones may describe an older platform


def t_quantile(p: float, df: int) -> float:
    """Student's t quantile: exact for 1 and 2 degrees of freedom, Cornish-Fisher beyond (error < 0.002)."""
    if df == 1:
        return math.tan(math.pi * (p - 0.5))
    if df == 2:
        return (2 * p - 1) / math.sqrt(2 * p * (1 - p))
    z = NormalDist().inv_cdf(p)
    return (
        z
        + (z**3 + z) / (4 * df)
        + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * df**3)
    )


def log_interval(durations: list[float]) -> tuple[float, float, float]:
    logs = np.log(np.asarray(durations, dtype=float))
    n, centre = len(logs), float(logs.mean())
    spread = float(logs.std(ddof=1)) if n > 1 else 0.0
    half = t_quantile(0.5 + COVERAGE / 2, n - 1) * spread * math.sqrt(1 + 1 / n)
    return math.exp(centre), math.exp(centre - half), math.exp(centre + half)


def features(parameters: dict[str, Any], rows: int | None, names: list[str]) -> list[float]:
    out = []
    for name in names:
        value = rows if name == "<rows>" else parameters.get(name)
        out.append(math.log1p(abs(float(value))) if isinstance(value, int | float) else 0.0)
    return out


def typical(durations: list[float]) -> list[float]:
    """The durations without far outliers on the log scale (a cold first run, a run that waited on a lock),
    as the robust detector sees them; all of them when that would leave fewer than MIN_RUNS + 1."""
    if len(durations) < MIN_RUNS + 2:
        return durations
    unusual = RobustAnomalyDetector(threshold=OUTLIER_Z).detect(np.log(durations)).anomalous
    kept = [d for d, odd in zip(durations, unusual, strict=True) if not odd]
    return kept if len(kept) > MIN_RUNS else durations


def feature_names(history: list[DurationSample]) -> list[str]:
    """The numeric parameters of a history, and "<rows>" when input rows are known."""
    numeric = {
        k for s in history for k, v in s.parameters.items() if isinstance(v, int | float) and not isinstance(v, bool)
    }
    return sorted(numeric) + (["<rows>"] if any(s.rows is not None for s in history) else [])


class HistoryDurationModel(AbstractDurationModel):
    name = "history"

    def __init__(self, min_for_regression: int = 8) -> None:
        self.min_for_regression = min_for_regression

    def _predict(self, subject: str, parameters: dict[str, Any], history: list[DurationSample]) -> Prediction:
        same = typical([s.duration_s for s in history if same_parameters(s.parameters, parameters)][-WINDOW:])
        if len(same) >= MIN_RUNS:
            estimate, low, high = log_interval(same)
            return Prediction(estimate, low, high, "runs with these parameters", len(same))
        fitted = self._regression(parameters, history)
        if fitted is not None:
            return fitted
        return Prediction.none(
            f"fewer than {MIN_RUNS} earlier runs with these parameters ({len(same)} so far)", len(same)
        )

    def _regression(self, parameters: dict[str, Any], history: list[DurationSample]) -> Prediction | None:
        """log(duration) as a line in log(1 + value) of each numeric parameter and of the input rows."""
        names = feature_names(history)
        n, k = len(history), len(names) + 1
        if not names or n < max(self.min_for_regression, k + 3):
            return None
        x = np.array([[1.0, *features(s.parameters, s.rows, names)] for s in history])
        y = np.log([s.duration_s for s in history])
        if np.linalg.matrix_rank(x) < k:
            return None
        beta, *_ = np.linalg.lstsq(x, y, rcond=None)
        residual = y - x @ beta
        spread = math.sqrt(float(residual @ residual) / (n - k))
        rows = history[-1].rows if "<rows>" in names else None
        point = np.array([1.0, *features(parameters, rows, names)])
        leverage = float(point @ np.linalg.pinv(x.T @ x) @ point)
        half = t_quantile(0.5 + COVERAGE / 2, n - k) * spread * math.sqrt(1 + leverage)
        centre = float(point @ beta)
        return Prediction(
            math.exp(centre),
            math.exp(centre - half),
            math.exp(centre + half),
            "line on logs over parameters" + (" and rows" if rows is not None else ""),
            n,
        )
