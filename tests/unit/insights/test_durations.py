"""The duration model on seeded synthetic histories."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from hpdp.adapters.durations.boosting import BoostingDurationModel
from hpdp.adapters.durations.history import HistoryDurationModel, t_quantile
from hpdp.application.durations import DurationService, PredictionRecord, accuracy_of, samples_from_executions
from hpdp.domain.durations import DurationSample
from hpdp.domain.ledger import TaskExecution


def execution(seconds: float = 1.0, offset: int = 0, outcome: str = "ok") -> TaskExecution:
    started = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=offset)
    ended = started + timedelta(seconds=seconds)
    return TaskExecution(id=str(offset), kind="run", subject="nb", started=started, ended=ended, outcome=outcome)


def runs(durations: list[float], **parameters: object) -> list[DurationSample]:
    return [DurationSample(dict(parameters), d) for d in durations]


@pytest.mark.parametrize(("df", "expected"), [(1, 3.078), (2, 1.886), (4, 1.533), (10, 1.372), (30, 1.310)])
def test_t_quantiles_match_the_tables(df: int, expected: float) -> None:
    assert t_quantile(0.9, df) == pytest.approx(expected, abs=0.003)


def test_with_fewer_than_three_runs_there_is_no_estimate_and_it_says_why() -> None:
    prediction = HistoryDurationModel().predict("nb", {"n": 1}, runs([5.0, 6.0], n=1))
    assert not prediction.available and tuple(prediction) == (None, None, None)
    assert prediction.sentence() == "no estimate yet: fewer than 3 earlier runs (2 so far)"


def test_runs_with_other_parameters_do_not_count_as_the_same_task() -> None:
    history = runs([50.0] * 5, n=10) + runs([5.0, 5.2], n=1)
    prediction = HistoryDurationModel().predict("nb", {"n": 1}, history)
    assert not prediction.available and "with these parameters (2 so far)" in (prediction.reason or "")


def test_the_estimate_is_the_geometric_mean_with_an_interval_around_it() -> None:
    estimate, low, high = HistoryDurationModel().predict("nb", {}, runs([9.0, 10.0, 11.0, 10.0, 10.0]))
    assert estimate == pytest.approx(math.exp(np.mean(np.log([9, 10, 11, 10, 10]))))
    assert low is not None and high is not None and low < 9.5 and high > 10.5


def test_the_80_percent_interval_covers_about_80_percent_of_next_runs_after_five() -> None:
    rng = np.random.default_rng(11)
    model, covered, trials = HistoryDurationModel(), 0, 600
    for _ in range(trials):
        base, noise = rng.uniform(2, 200), rng.uniform(0.05, 0.25)
        seen = list(base * np.exp(rng.normal(0, noise, 6)))
        _, low, high = model.predict("nb", {}, runs(seen[:5]))
        covered += low <= seen[5] <= high  # type: ignore[operator]
    assert 0.75 <= covered / trials <= 0.85


def test_a_line_on_logs_predicts_a_parameter_never_run_before() -> None:
    rng = np.random.default_rng(2)
    history = [DurationSample({"rows": r}, 0.01 * r * math.exp(rng.normal(0, 0.05))) for r in [100, 200, 400] * 4]
    estimate, low, high = HistoryDurationModel().predict("nb", {"rows": 800}, history)
    assert estimate == pytest.approx(8.0, rel=0.15) and low < 8.0 < high  # type: ignore[operator]
    assert HistoryDurationModel().predict("nb", {"rows": 800}, history).method.startswith("line on logs")


def test_boosting_answers_like_the_history_model_until_the_history_is_long() -> None:
    history = runs([10.0, 11.0, 9.0, 10.0], n=1)
    assert BoostingDurationModel().predict("nb", {"n": 1}, history) == HistoryDurationModel().predict(
        "nb", {"n": 1}, history
    )
    rng = np.random.default_rng(5)
    long = [DurationSample({"n": n}, n * math.exp(rng.normal(0, 0.1))) for n in rng.integers(1, 20, 60).tolist()]
    estimate, low, high = BoostingDurationModel().predict("nb", {"n": 10}, long)
    assert low <= estimate <= high and 6 < estimate < 15  # type: ignore[operator]


def test_accuracy_is_the_median_relative_error_and_the_interval_coverage() -> None:
    records = [
        PredictionRecord("a", "nb", 10.0, 8.0, 12.0, 10.0),
        PredictionRecord("b", "nb", 10.0, 8.0, 12.0, 20.0),
        PredictionRecord("c", "nb", 10.0, 8.0, 12.0, 11.0),
        PredictionRecord("d", "nb", 10.0, 8.0, 12.0, None),  # still running
    ]
    accuracy = accuracy_of(records)
    assert accuracy.runs == 3 and accuracy.coverage == pytest.approx(2 / 3)
    assert accuracy.median_abs_error == pytest.approx(1 / 11)
    assert accuracy_of([]).as_dict() == {"runs": 0, "median_abs_error": None, "coverage": None}


def test_the_service_fills_actual_durations_of_runs_that_ended_later() -> None:
    class Log:
        def __init__(self) -> None:
            self.items: list[PredictionRecord] = []

        def add(self, record: PredictionRecord) -> None:
            self.items.append(record)

        def list(self) -> list[PredictionRecord]:
            return self.items

    log = Log()
    history = runs([9.0, 10.0, 11.0, 10.0])
    service = DurationService(HistoryDurationModel(), lambda s: history, log, lambda ids: {"q": 10.0})  # type: ignore[arg-type]
    prediction = service.predict("nb", {})
    service.record("q", "nb", prediction)  # queued: the actual comes from the run log later
    service.record("skip", "nb", HistoryDurationModel().predict("nb", {}, []))  # no estimate: nothing kept
    assert [r.run_id for r in log.items] == ["q"]
    assert service.accuracy().coverage == 1.0


def test_ledger_executions_become_history_oldest_first_without_failures() -> None:
    rows = [execution(seconds=3.0, offset=2), execution(seconds=1.0, offset=0), execution(outcome="failed", offset=1)]
    assert [s.duration_s for s in samples_from_executions(rows)] == [1.0, 3.0]


def test_a_cold_first_run_is_left_out_of_the_estimate() -> None:
    history = runs([14.0, 4.7, 4.6, 4.2, 4.9])  # the first run started the kernel pool
    estimate, low, high = HistoryDurationModel().predict("nb", {}, history)
    assert 4.2 < estimate < 4.9 and low > 3 and high < 7  # type: ignore[operator]
    short = runs([14.0, 4.7, 4.6, 4.2])  # too few runs to tell an outlier: all of them count
    assert HistoryDurationModel().predict("nb", {}, short).estimate > 5  # type: ignore[operator]
