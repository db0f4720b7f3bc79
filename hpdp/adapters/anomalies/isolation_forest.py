"""scikit-learn's IsolationForest: rows that random splits isolate quickly are anomalies.

It sees combinations of columns that are each ordinary (a robust z-score per column cannot). The score is
scikit-learn's anomaly score in (0, 1]; above 0.5 is unusual, and `contamination` decides how many count.
"""

from __future__ import annotations

import numpy as np

from hpdp.application.anomalies import AbstractAnomalyDetector, Scores


class IsolationForestAnomalyDetector(AbstractAnomalyDetector):
    name = "isolation_forest"

    def __init__(self, contamination: float | str = "auto", seed: int = 0, trees: int = 200) -> None:
        self.contamination = contamination
        self.seed = seed
        self.trees = trees

    def _detect(self, values: np.ndarray) -> Scores:
        from sklearn.ensemble import IsolationForest

        if len(values) < 8:  # too few rows to isolate anything
            zeros = np.zeros(len(values))
            return Scores(zeros, zeros.astype(bool), 0.0)
        forest = IsolationForest(n_estimators=self.trees, contamination=self.contamination, random_state=self.seed)
        forest.fit(values)
        scores = -forest.score_samples(values)  # the paper's score: near 1 is isolated at once
        threshold = float(-forest.offset_)
        return Scores(scores, scores > threshold, threshold)
