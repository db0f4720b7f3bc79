"""Seeded synthetic histories of executions for the detector tests."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from hpdp.domain.ledger import TaskExecution

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def durations(
    seed: int, baseline: int, level: float = 10.0, noise: float = 0.1, step: float = 0.0, after: int = 0
) -> list[float]:
    rng = random.Random(seed)
    before = [level * (1 + rng.gauss(0, noise)) for _ in range(baseline)]
    return before + [level * (1 + step) * (1 + rng.gauss(0, noise)) for _ in range(after)]


def executions(
    values: list[float],
    *,
    kind: str = "run",
    subject: str = "nb/job.ipynb",
    every_s: float = 3600,
    phases: list[dict[str, float]] | None = None,
    **fields: Any,
) -> list[TaskExecution]:
    out = []
    for i, seconds in enumerate(values):
        start = T0 + timedelta(seconds=i * every_s)
        link = {"run_id": f"r{i}"} if kind == "run" else {"load_id": f"l{i}"}
        extra = {k: (v[i] if isinstance(v, list) else v) for k, v in fields.items()}
        link.update(extra.pop("links", {}))
        out.append(
            TaskExecution(
                id=f"e{i}",
                kind=kind,
                subject=subject,
                started=start,
                ended=start + timedelta(seconds=seconds),
                links=link,
                phases=phases[i] if phases else {},
                **extra,
            )
        )
    return out
