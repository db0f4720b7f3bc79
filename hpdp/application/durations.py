"""The duration model port, predictions before a run, and how accurate they turned out."""

from __future__ import annotations

import json
import statistics
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from hpdp.application.ledger import AbstractLedger
from hpdp.domain.durations import MIN_RUNS, Accuracy, DurationSample, Prediction
from hpdp.domain.ledger import TaskExecution


def same_parameters(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return parameters_key(a) == parameters_key(b)


def parameters_key(parameters: dict[str, Any]) -> str:
    return json.dumps(parameters, sort_keys=True, default=str)


class AbstractDurationModel(ABC):
    """Predicts how long a task takes from its own history; `history` is oldest first."""

    name: str = ""

    def predict(self, subject: str, parameters: dict[str, Any], history: Sequence[DurationSample]) -> Prediction:
        usable = [s for s in history if s.duration_s > 0]
        if len(usable) < MIN_RUNS:
            return Prediction.none(f"fewer than {MIN_RUNS} earlier runs ({len(usable)} so far)", len(usable))
        return self._predict(subject, parameters, usable)

    @abstractmethod
    def _predict(self, subject: str, parameters: dict[str, Any], history: list[DurationSample]) -> Prediction: ...


def samples_from_executions(executions: Iterable[TaskExecution]) -> list[DurationSample]:
    """Successful executions of one task as model history, oldest first."""
    done = sorted((e for e in executions if e.outcome == "ok"), key=lambda e: e.started)
    return [DurationSample(dict(e.parameters), e.duration_s, e.rows) for e in done]


@dataclass(frozen=True)
class PredictionRecord:
    """A prediction made before a run, with the run's actual duration once known."""

    run_id: str
    subject: str
    estimate: float
    low: float
    high: float
    actual: float | None = None


class AbstractPredictionLog(ABC):
    @abstractmethod
    def add(self, record: PredictionRecord) -> None: ...

    @abstractmethod
    def list(self) -> list[PredictionRecord]: ...


def accuracy_of(records: Iterable[PredictionRecord]) -> Accuracy:
    done = [r for r in records if r.actual is not None and r.actual > 0]
    if not done:
        return Accuracy(0, None, None)
    errors = [abs(r.actual - r.estimate) / r.actual for r in done if r.actual]
    covered = sum(1 for r in done if r.actual is not None and r.low <= r.actual <= r.high)
    return Accuracy(len(done), statistics.median(errors), covered / len(done))


History = Callable[[str], list[DurationSample]]  # subject -> its successful executions, oldest first
Actuals = Callable[[list[str]], dict[str, float]]  # run ids -> durations of those that ended


class DurationService:
    def __init__(
        self,
        model: AbstractDurationModel,
        history: History,
        log: AbstractPredictionLog | None = None,
        actuals: Actuals = lambda ids: {},
    ) -> None:
        self.model = model
        self.history = history
        self.log = log
        self.actuals = actuals

    def predict(self, subject: str, parameters: dict[str, Any]) -> Prediction:
        return self.model.predict(subject, parameters, self.history(subject))

    def record(self, run_id: str, subject: str, prediction: Prediction, actual: float | None = None) -> None:
        """Keep the prediction beside the run (nothing to keep when there was no estimate)."""
        if self.log is None or prediction.estimate is None or prediction.low is None or prediction.high is None:
            return
        self.log.add(PredictionRecord(run_id, subject, prediction.estimate, prediction.low, prediction.high, actual))

    def accuracy(self) -> Accuracy:
        """Median relative error and 80%-interval coverage over every run predicted so far."""
        records = self.log.list() if self.log is not None else []
        missing = [r.run_id for r in records if r.actual is None]
        found = self.actuals(missing) if missing else {}
        filled = [r if r.actual is not None else PredictionRecord(**{**r.__dict__, "actual": found.get(r.run_id)})
                  for r in records]  # fmt: skip
        return accuracy_of(filled)


HISTORY = 500  # a task's newest successful runs the model looks at


def ledger_history(ledger: AbstractLedger) -> History:
    """A task's history from the execution ledger: its successful runs (notebook runs and experiment
    children of the same notebook), oldest first."""

    def history(subject: str) -> list[DurationSample]:
        runs = ledger.executions(subject=subject, limit=HISTORY)
        return samples_from_executions(e for e in runs if e.kind in ("run", "experiment_child"))

    return history


def ledger_actuals(ledger: AbstractLedger) -> Actuals:
    """The actual durations of runs, from the ledger (a run's execution id is its run id)."""

    def actuals(run_ids: list[str]) -> dict[str, float]:
        wanted = set(run_ids)
        runs = [e for kind in ("run", "experiment_child") for e in ledger.executions(kind=kind)]
        return {e.id: e.duration_s for e in runs if e.id in wanted and e.outcome == "ok"}

    return actuals


def run_subject(notebook: str, parameters: dict[str, Any], *, from_text: bool = False) -> tuple[str, dict[str, Any]]:
    """The subject and typed parameters of a notebook run, as the run log and the ledger record them."""
    from hpdp.application.notebooks import check_parameters, declared_parameters, load_notebook, notebook_path

    path = notebook_path(notebook)
    declared = declared_parameters(load_notebook(path))
    return str(path), check_parameters(declared, parameters, notebook=path.name, from_text=from_text)
