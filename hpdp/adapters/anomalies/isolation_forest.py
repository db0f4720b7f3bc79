"""scikit-learn's IsolationForest: rows that random splits isolate quickly are anomalies.

It sees combinations of columns that are each ordinary (a robust z-score per column cannot). The score is
scikit-learn's anomaly score in (0, 1]; `contamination` is the share of rows flagged (the forest ranks, it
does not test), so a table without anomalies still gets its 1% most isolated rows. Each tree sees up to
MAX_SAMPLES rows: with scikit-learn's default of 256, a far outlier missing from a tree's sample is scored as
an ordinary edge row by it.
"""

from __future__ import annotations

import numpy as np

from hpdp.application.anomalies import AbstractAnomalyDetector, Scores

MAX_SAMPLES = 2048


class IsolationForestAnomalyDetector(AbstractAnomalyDetector):
    name = "isolation_forest"

    def __init__(self, contamination: float | str = 0.01, seed: int = 0, trees: int = 200) -> None:
        self.contamination = contamination
        self.seed = seed
        self.trees = trees

    def _detect(self, values: np.ndarray) -> Scores:
        from sklearn.ensemble import IsolationForest

        if len(values) < 8:  # too few rows to isolate anything
            zeros = np.zeros(len(values))
            return Scores(zeros, zeros.astype(bool), 0.0)
        forest = IsolationForest(
            n_estimators=self.trees,
            max_samples=min(len(values), MAX_SAMPLES),
            contamination=self.contamination,
            random_state=self.seed,
        )
        forest.fit(values)
        scores = -forest.score_samples(values)  # the paper's score: near 1 is isolated at once
        threshold = float(-forest.offset_)
        return Scores(scores, scores > threshold, threshold)
