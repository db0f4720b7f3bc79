"""scikit-learn quantile gradient boosting (10th, 50th and 90th percentiles) once a task has a long history;
before that, the history model answers."""

from __future__ import annotations

from typing import Any

import numpy as np

from hpdp.adapters.durations.history import HistoryDurationModel, feature_names, features
from hpdp.application.durations import AbstractDurationModel
from hpdp.domain.durations import DurationSample, Prediction


class BoostingDurationModel(AbstractDurationModel):
    name = "gradient_boosting"

    def __init__(self, min_runs: int = 40, seed: int = 0) -> None:
        self.min_runs = min_runs
        self.seed = seed
        self.fallback = HistoryDurationModel()

    def _predict(self, subject: str, parameters: dict[str, Any], history: list[DurationSample]) -> Prediction:
        names = feature_names(history)
        if len(history) < self.min_runs or not names:
            return self.fallback._predict(subject, parameters, history)
        from sklearn.ensemble import GradientBoostingRegressor

        x = np.array([features(s.parameters, s.rows, names) for s in history])
        y = np.log([s.duration_s for s in history])
        rows = history[-1].rows if "<rows>" in names else None
        point = np.array([features(parameters, rows, names)])
        out = []
        for alpha in (0.1, 0.5, 0.9):
            model = GradientBoostingRegressor(
                loss="quantile", alpha=alpha, n_estimators=100, max_depth=2, random_state=self.seed
            )
            out.append(float(np.exp(model.fit(x, y).predict(point)[0])))
        low, estimate, high = sorted(out)
        return Prediction(estimate, low, high, "quantile gradient boosting over parameters", len(history))
