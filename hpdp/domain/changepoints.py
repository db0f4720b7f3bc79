"""Change points in short, noisy series: when did a task's duration step to a new level?

Method: a robust two-sample test on log durations, run online (as the runs come in) and then localised by
least squares.

- **Log scale.** Durations vary by a share of their level, so a +30% step is the same shift (log 1.3) at any
  level and the noise is one number per task; the test's false-alarm rate then does not depend on the level.
- **The tested points never sit in their own baseline** (the flaw that lets z-scores miss a step). At run t,
  each candidate first slow run k among the last `window` runs splits the current regime into a baseline
  (up to `max_baseline` runs before k) and the `w = t - k + 1` runs since. The baseline's level is a Huber
  M-estimate (one step from its median, c = 1.5: 95% as efficient as the mean on normal noise, yet one wild
  run moves it little), its spread a winsorised mean absolute deviation (88% efficient), floored at
  `min_noise` (2%) so that a very stable series does not turn every millisecond into a step. The runs since
  are averaged after dropping any run more than `spike` noise units above their median: one slow run among
  normal ones is a spike, not a new level.
- **The statistic** is the difference of the two levels over its standard error, which counts both sides'
  noise (1/w and 1.05/n). The spread comes from n points, so the statistic is t-like, not normal: it is
  mapped to a z with the Wallace/Fisher approximation for nu = 0.88 (n - 1) degrees of freedom, and a short
  baseline needs a larger difference. The threshold `z` (2.4) was calibrated on the stable series of
  `benchmarks/insights.py` to about 1 false finding per 100 runs (0.05 to 1.00 measured at 5-20% noise,
  with or without spikes; about 1% one-sided per run with the repeated looks). A step down (faster runs)
  only moves the baseline, so it needs the stronger `z_down`:
  a baseline moved on weak evidence would hide the next regression.
- **A step persists and is large enough to matter.** Every run since k lies beyond the old level on the
  step's side (all but `signs` of them once there are 4), at least `min_after` (3) runs are there, and the
  new level differs by at least `min_relative` (10%).
- **Where it started.** When the test fires at run t, the first slow run is the split with the largest
  statistic among the candidates at t; once the next step (or the end) is known it is placed again with all
  the runs of its regime by least absolute deviations from each side's median over one fixed stretch (the
  test's statistic would favour later splits, whose baselines are longer), and the boundary run goes to the
  side whose level it is nearer. So a finding can name a slightly different run as more runs arrive (the
  insight service keeps it one finding). A run just before the step that is as slow as the new level is, on
  the evidence, as likely the first slow run: at 10% noise one history in ten names that run.

After a step the new level is the regime: later steps are tested against it, so a return to the old level
is a step down, and `current_step` reports the latest step up only while the newest runs still sit at its
level. Why not the alternatives: a plain z-score of the newest run needs no persistence and counts the run
in its own baseline; CUSUM needs the in-control level and spread known, which 10 runs do not give;
penalised likelihood segmentation (PELT, binary segmentation) needs a penalty tuned per noise level and is
retrospective. The online test answers the question the ledger asks after each run, its decisions up to run
t use only runs up to t, and it is vectorised over candidates (a 1,000-point series takes milliseconds).
Limits: at 20% noise a +30% step is 1.3 noise units, so 5 runs against a baseline of 10-30 carry a signal
of about 2.2-2.6 standard errors: even a test told where the step is finds it only about half the time at a
1% false-alarm rate; this one finds about a third within 5 runs (most later, as runs accumulate). At 10%
noise it finds about 86% within 3 runs, against 94% for that oracle (`benchmarks/insights.py`).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

_SQRT_HALF_PI = math.sqrt(math.pi / 2)
_V_HUBER = 1.05  # variance of the Huber location (c = 1.5) relative to the mean's, under normal noise
_EFF_SCALE = 0.88  # efficiency of the winsorised spread: its degrees of freedom per point


@dataclass(frozen=True)
class Step:
    """A level change: its first point, the two levels, the test's z, and the run at which it was seen."""

    index: int
    before: float
    after: float
    z: float
    baseline: int  # points in the baseline
    seen: int = 0  # the point whose arrival declared the step
    up: bool = True

    @property
    def relative(self) -> float:
        return self.after / self.before - 1 if self.before else math.inf


@dataclass(frozen=True)
class StepTest:
    min_baseline: int = 8
    max_baseline: int = 40
    window: int = 12  # candidate first slow runs among the last `window` runs
    min_after: int = 3
    z: float = 2.4
    z_down: float = 3.5
    min_relative: float = 0.1
    min_noise: float = 0.02  # in log units: 2% of the level
    huber: float = 1.5
    spike: float = 4.0  # noise units above the post-split median beyond which a run is a spike
    signs: int = 1  # runs since the split allowed on the old level's side, from 4 runs on
    chunk: int = 128  # runs scanned per vectorised block


def level_and_noise(values: Sequence[float], min_noise: float = 0.0) -> tuple[float, float]:
    """Median and a robust standard deviation (winsorized mean absolute deviation from the median)."""
    med = statistics.median(values)
    mad = statistics.median([abs(v - med) for v in values]) * 1.4826
    cap = 3 * mad if mad > 0 else math.inf
    spread = _SQRT_HALF_PI * statistics.fmean([min(abs(v - med), cap) for v in values])
    return med, max(spread, min_noise * abs(med), 1e-12)


def steps(values: Sequence[float], test: StepTest | None = None) -> list[Step]:
    """Every level change in time order; each one's baseline is the regime before it."""
    test = test or StepTest()
    y = np.log(np.maximum(np.asarray(values, dtype=float), 1e-12))
    declared = []
    start, t = 0, test.min_baseline + test.min_after - 1
    while (hit := _scan(y, start, t, test)) is not None:
        seen, k, z, up = hit
        declared.append((seen, k, z, up))
        start, t = k, max(seen + 1, k + test.min_baseline + test.min_after - 1)
    found: list[Step] = []
    prev = 0
    for i, (seen, k, z, up) in enumerate(declared):
        end = declared[i + 1][1] if i + 1 < len(declared) else len(y)
        k, loc, n = _placed(y, prev, k, end, up, test)
        after = float(np.median(y[k:end]))
        found.append(Step(k, math.exp(loc), math.exp(after), z, n, seen, up))
        prev = k
    return found


def current_step(values: Sequence[float], test: StepTest | None = None) -> Step | None:
    """The latest upward step if the series still sits at its new level (its last points are nearer the new
    level than the old one); None when there is none or the series came back."""
    test = test or StepTest()
    found = steps(values, test)
    if not found or not found[-1].up:
        return None
    last = found[-1]
    while len(found) > 1 and found[-2].up and last.index - found[-2].index <= test.min_baseline:
        # a step up on too short a new level is part of the one before: one slowdown from the older level
        first = found[-2]
        last = Step(first.index, first.before, last.after, max(first.z, last.z), first.baseline, last.seen)
        found = found[:-1]
    recent = statistics.median(values[-min(3, len(values) - last.index) :])
    return last if math.log(recent / last.before) > math.log(last.after / last.before) / 2 else None


def _baselines(y: np.ndarray, start: int, ks: np.ndarray, test: StepTest) -> tuple[np.ndarray, ...]:
    """Level (Huber), spread (winsorised) and size of the baseline before each candidate k."""
    idx = ks[:, None] - test.max_baseline + np.arange(test.max_baseline)[None, :]
    inside = idx >= start
    m = np.where(inside, y[np.clip(idx, 0, None)], np.nan)
    n = inside.sum(1)
    med = _medians(m, n)
    r = np.abs(m - med[:, None])
    mad = _medians(r, n) * 1.4826
    cap = np.where(mad > 0, 3 * mad, np.inf)
    s = np.maximum(_SQRT_HALF_PI * np.nansum(np.minimum(r, cap[:, None]), axis=1) / n, test.min_noise)
    u = np.clip((m - med[:, None]) / s[:, None], -test.huber, test.huber)
    return med + s * np.nansum(u, axis=1) / n, s, n


def _medians(m: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Each row's median over its n numbers (NaN marks the rest; sorting puts NaN last)."""
    ordered = np.sort(m, axis=1)
    rows = np.arange(len(m))
    lo, hi = np.maximum(n - 1, 0) // 2, n // 2
    return (ordered[rows, lo] + ordered[rows, np.minimum(hi, m.shape[1] - 1)]) / 2


def _scan(y: np.ndarray, start: int, t: int, test: StepTest) -> tuple[int, int, float, bool] | None:
    """The first run from t on whose arrival declares a step: (that run, the first slow run, z, up)."""
    size, wmax, lo = len(y), test.window, start + test.min_baseline
    while t < size:
        t_end = min(size, t + test.chunk)
        ks = np.arange(max(lo, t - wmax + 1), t_end - 1)  # splits with at least 2 runs after them by t_end
        if len(ks) == 0:
            t = t_end
            continue
        loc, s, n = _baselines(y, start, ks, test)
        idx = ks[:, None] + np.arange(wmax)[None, :]
        post = np.where(idx < size, y[np.clip(idx, None, size - 1)], np.nan)
        nu = (_EFF_SCALE * (n - 1))[:, None]
        widths = np.arange(1, wmax + 1)
        mine = np.arange(wmax)[None, None, :] < widths[None, :, None]  # [k, w - 1, i]: run i counts for w
        q = np.where(mine, post[:, None, :], np.nan)
        ordered = np.sort(q, axis=2)  # NaN last
        low, high = ((widths - 1) // 2)[None, :, None], (widths // 2)[None, :, None]
        rows = np.broadcast_to(low, (len(ks), wmax, 1))
        med = (np.take_along_axis(ordered, rows, 2) + np.take_along_axis(ordered, rows * 0 + high, 2))[..., 0] / 2
        keep = mine & (q - med[..., None] <= test.spike * s[:, None, None])
        kept = np.maximum(keep.sum(2), 1)
        shift = np.where(keep, q, 0.0).sum(2) / kept - loc[:, None]
        se = np.sqrt(1 / kept + _V_HUBER / n[:, None])
        tt = np.abs(shift) / (s[:, None] * se)
        wrong = widths[None, :] - (mine & (np.sign(shift)[..., None] * (q - loc[:, None, None]) > 0)).sum(2)
        ok = (
            (widths >= 2)[None, :]  # two runs only place a step, never declare one
            & (wrong <= np.where(widths < 4, 0, test.signs)[None, :])
            & (np.abs(shift) >= math.log1p(test.min_relative))
        )
        z = np.where(ok, tt * (1 - 1 / (4 * nu)) / np.sqrt(1 + tt * tt / (2 * nu)), 0.0)
        gain = np.where(ok, np.abs(shift) / se, -np.inf)
        when = idx  # the run at whose arrival (k, w) is known
        longer = (widths >= test.min_after)[None, :]
        alarm = (z >= np.where(shift > 0, test.z, test.z_down)) & (when >= t) & (when < t_end) & longer
        if alarm.any():
            seen = int(when[alarm].min())
            first = alarm & (when == seen)
            i, j = np.argwhere(first)[np.argmax(z[first])]
            up = bool(shift[i, j] > 0)
            same = (when == seen) & ((shift > 0) == up)
            best = np.unravel_index(np.argmax(np.where(same, gain, -np.inf)), gain.shape)
            return seen, int(ks[best[0]]), float(z[i, j]), up
        t = t_end
    return None


def _placed(y: np.ndarray, start: int, k: int, end: int, up: bool, test: StepTest) -> tuple[int, float, int]:
    """The step's first point placed again with the runs of its regime (up to the next step): among the splits
    near k, the one that leaves the least absolute deviation from each side's median over one fixed stretch
    of runs (least absolute deviations: one spike moves it little, and unlike the test's statistic it does
    not favour later splits for their longer baseline), then the boundary run given to the level it is nearer.
    Returns the first point, the baseline's level (log) and the baseline's size."""
    lo, hi = max(start + test.min_baseline // 2, k - test.window), min(k + test.window, end - 2)
    ks = np.array([k]) if hi < lo else np.arange(lo, hi + 1)
    a, e = max(start, int(ks[0]) - test.max_baseline), min(end, int(ks[-1]) + 3 * test.window)
    costs = []
    for j in ks:
        before, after = y[a:j], y[j:e]
        m0, m1 = float(np.median(before)), float(np.median(after))
        if (m1 > m0) != up:
            costs.append(np.inf)
            continue
        costs.append(float(np.abs(before - m0).sum() + np.abs(after - m1).sum()))
    j = int(ks[int(np.argmin(costs))]) if np.isfinite(min(costs)) else k
    loc, _, n = _baselines(y, start, np.array([j]), test)
    level, size = float(loc[0]), int(n[0])
    sign = 1.0 if up else -1.0
    for _ in range(2):  # the first point of the new level is nearer it than the old level
        rest = y[j + 1 : min(end, j + 1 + 3 * test.window)]
        if len(rest) < 2 or sign * (y[j] - level) > sign * (float(np.median(rest)) - level) / 2:
            break
        j += 1
    return j, level, size
