"""Predicted durations of a task, from its own history."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

MIN_RUNS = 3  # below this, no estimate: a mean of one or two runs is not evidence


@dataclass(frozen=True)
class DurationSample:
    """One earlier execution of a task: its parameters, how long it took, and its input rows when known."""

    parameters: dict[str, Any]
    duration_s: float
    rows: int | None = None


@dataclass(frozen=True)
class Prediction:
    """A duration estimate with its 80% interval, or the honest reason why there is none."""

    estimate: float | None
    low: float | None
    high: float | None
    method: str = ""
    runs: int = 0  # earlier runs the estimate stands on
    reason: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def available(self) -> bool:
        return self.estimate is not None

    def __iter__(self) -> Iterator[float | None]:
        yield from (self.estimate, self.low, self.high)

    def sentence(self) -> str:
        if self.estimate is None or self.low is None or self.high is None:
            return f"no estimate yet: {self.reason}"
        return (
            f"{_seconds(self.estimate)} (80% interval {_seconds(self.low)} to {_seconds(self.high)}; "
            f"{self.method}, {self.runs} earlier runs)"
        )

    @classmethod
    def none(cls, reason: str, runs: int = 0) -> Prediction:
        return cls(None, None, None, runs=runs, reason=reason)


def _seconds(value: float) -> str:
    return f"{value:.1f} s" if value < 600 else f"{value / 60:.1f} min"


@dataclass(frozen=True)
class Accuracy:
    """How well predictions matched the runs that followed them."""

    runs: int
    median_abs_error: float | None  # relative: |actual - estimate| / actual
    coverage: float | None  # share of runs whose actual duration fell inside the 80% interval

    def as_dict(self) -> dict[str, Any]:
        return {"runs": self.runs, "median_abs_error": self.median_abs_error, "coverage": self.coverage}
