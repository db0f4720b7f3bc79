"""Change points in short, noisy series: when did a task's duration step to a new level?

Method: a robust two-sample test, scanned forward in time. For each candidate point k, the baseline is the
up to `max_baseline` points before k *in the current regime* (k itself is never in its own baseline, the flaw
that lets z-scores miss a step) and the test window is k and up to `window - 1` points after it. The
baseline's level is its median, its spread a winsorized mean absolute deviation (close to the standard
deviation for normal noise, 88% efficient, yet one wild run does not inflate it), floored at `min_noise` of
the level so that a very stable series does not turn every millisecond into a step. A step is declared when

- the window's mean sits `z` standard errors from the baseline median, the error counting both the window's
  noise (1/w) and the baseline median's own uncertainty (pi/2 / n),
- the step is at least `min_relative` of the level (a practical size, not only a significant one),
- the change persists: k itself and all but at most one of the window points lie beyond half a noise unit
  in the same direction (one slow run followed by normal ones is a spike, not a step), and
- at least `min_after` points are there to show it.

After a step the new level is the regime: later steps are tested against it, so a return to the old level is
a second step down. This suits the series hpdp sees: tens of runs, noise of 5-25%, occasional spikes, steps
more than slopes. Likelihood segmentation (PELT, binary segmentation) needs a penalty tuned per noise level
and a cost model; on 10-point baselines the robust test is simpler to justify, runs in linear time over the
series (each point sorts one bounded window) and has the false-alarm rate `benchmarks/insights.py` measures.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

_SQRT_HALF_PI = math.sqrt(math.pi / 2)


@dataclass(frozen=True)
class Step:
    """A level change: the first point of the new level, the two levels and the test's z."""

    index: int
    before: float
    after: float
    z: float
    baseline: int  # points in the baseline

    @property
    def relative(self) -> float:
        return self.after / self.before - 1 if self.before else math.inf

    @property
    def up(self) -> bool:
        return self.after > self.before


@dataclass(frozen=True)
class StepTest:
    min_baseline: int = 8
    max_baseline: int = 30
    window: int = 5
    min_after: int = 3
    z: float = 2.5
    min_relative: float = 0.1
    min_noise: float = 0.02
    persist: float = 0.5  # noise units beyond the baseline level each persistent point must reach


def level_and_noise(values: Sequence[float], min_noise: float = 0.0) -> tuple[float, float]:
    """Median and a robust standard deviation (winsorized mean absolute deviation from the median)."""
    med = statistics.median(values)
    mad = statistics.median([abs(v - med) for v in values]) * 1.4826
    cap = 3 * mad if mad > 0 else math.inf
    spread = _SQRT_HALF_PI * statistics.fmean([min(abs(v - med), cap) for v in values])
    return med, max(spread, min_noise * abs(med), 1e-12)


def test_at(values: Sequence[float], start: int, k: int, test: StepTest) -> Step | None:
    """Whether a step starts at point k, against the baseline from `start` (or later) up to k."""
    base = values[max(start, k - test.max_baseline) : k]
    after = values[k : k + test.window]
    if len(base) < test.min_baseline or len(after) < test.min_after:
        return None
    level, noise = level_and_noise(base, test.min_noise)
    w, n = len(after), len(base)
    shift = statistics.fmean(after) - level
    sign = 1.0 if shift > 0 else -1.0
    beyond = [sign * (v - level) / noise > test.persist for v in after]
    if not beyond[0] or sum(beyond) < w - (1 if w >= 4 else 0):
        return None
    z = abs(shift) / (noise * math.sqrt(1 / w + (math.pi / 2) / n))
    new_level = statistics.median(after)
    if z < test.z or abs(new_level - level) < test.min_relative * abs(level):
        return None
    return Step(k, level, new_level, z, n)


def steps(values: Sequence[float], test: StepTest | None = None) -> list[Step]:
    """Every level change in time order; each one's baseline is the regime before it."""
    test = test or StepTest()
    found: list[Step] = []
    start, k, n = 0, test.min_baseline, len(values)
    while k <= n - test.min_after:
        step = test_at(values, start, k, test)
        if step is None:
            k += 1
            continue
        step = _located(values, start, step, test)
        found.append(step)
        start, k = step.index, step.index + test.min_baseline
    return found


def _located(values: Sequence[float], start: int, step: Step, test: StepTest) -> Step:
    """The best split near a detection: a window that straddles the step passes a little early, so the first
    point of the new level is the passing split, up to one window later, where the two sides differ most
    (the least-squares gain that places a split in binary segmentation)."""
    best, best_gain = step, -1.0
    for j in range(step.index, min(step.index + test.window, len(values) - test.min_after + 1)):
        candidate = step if j == step.index else test_at(values, start, j, test)
        if candidate is None:
            continue
        right = values[j : j + test.window]
        left = min(candidate.baseline, j - start)
        gain = left * len(right) / (left + len(right)) * (statistics.fmean(right) - candidate.before) ** 2
        if gain > best_gain:
            best, best_gain = candidate, gain
    return best


def current_step(values: Sequence[float], test: StepTest | None = None) -> Step | None:
    """The latest upward step if the series still sits at its new level (its last points are nearer the new
    level than the old one); None when there is none or the series came back."""
    found = steps(values, test)
    if not found or not found[-1].up:
        return None
    last = found[-1]
    recent = statistics.median(values[-min(3, len(values) - last.index) :])
    return last if recent - last.before > (last.after - last.before) / 2 else None
