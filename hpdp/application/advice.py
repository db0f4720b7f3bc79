"""Engine advice measured on the user's own data: each processor runs the same task, interleaved."""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from hpdp.application.clock import Clock, utcnow
from hpdp.application.ledger import AbstractFindingStore, AbstractLedger
from hpdp.application.ports import AbstractProcessor
from hpdp.application.store_ports import AbstractStore
from hpdp.domain.errors import InvalidInputError, UnknownTableError
from hpdp.domain.findings import Finding, FindingKind, Severity
from hpdp.domain.ledger import TaskExecution
from hpdp.domain.model import Aggregation, OutputFormat

TASKS = ("profile", "aggregate")
MAX_MEANS = 5  # numeric columns averaged by the aggregate task


@dataclass(frozen=True)
class EngineAdvice:
    table: str
    task: str
    rows: int
    seconds: dict[str, list[float]]  # engine -> the time of each round
    faster: str
    slower: str
    ratio: float  # median time of the slower engine over that of the faster one
    spread: tuple[float, float]  # lowest and highest per-round ratio
    finding: Finding

    def as_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "task": self.task,
            "rows": self.rows,
            "faster": self.faster,
            "slower": self.slower,
            "ratio": self.ratio,
            "spread": list(self.spread),
            "seconds": self.seconds,
            "finding": self.finding.id,
        }


def aggregate_plan(schema: list[tuple[str, bool, int]]) -> tuple[list[str], list[Aggregation]]:
    """Group by the non-numeric column with the fewest values (else the numeric one); count and average
    up to MAX_MEANS numeric columns. `schema`: (name, numeric, distinct values) per column."""
    if not schema:
        raise InvalidInputError("The table has no columns to aggregate.")
    groups = sorted((c for c in schema if not c[1]), key=lambda c: c[2]) or sorted(schema, key=lambda c: c[2])
    by = groups[0][0]
    means = [Aggregation(f"mean_{c[0]}", c[0], "mean") for c in schema if c[1] and c[0] != by][:MAX_MEANS]
    return [by], [Aggregation("rows", by, "count"), *means]


class EngineAdviceService:
    def __init__(
        self,
        store: AbstractStore,
        processors: Mapping[str, Callable[[], AbstractProcessor]],
        ledger: AbstractLedger,
        findings: AbstractFindingStore,
        *,
        clock: Clock = utcnow,
        host: str = "",
    ) -> None:
        self.store = store
        self.processors = processors
        self.ledger = ledger
        self.findings = findings
        self.clock = clock
        self.host = host

    def advise(self, table: str, task: str = "aggregate", repeat: int = 5) -> EngineAdvice:
        if task not in TASKS:
            raise InvalidInputError(f"Unknown task {task!r}; use one of: {', '.join(TASKS)}.")
        if repeat < 1:
            raise InvalidInputError(f"Each engine runs at least once, not {repeat} times.")
        if not self.store.has_table(table):
            raise UnknownTableError(f"Table {table!r} does not exist.")
        if len(self.processors) < 2:
            raise InvalidInputError("Engine advice compares two or more processors.")
        data = self.store.read(table, format=OutputFormat.ARROW)
        engines = {name: build() for name, build in self.processors.items()}
        work = self._task(task, data, next(iter(engines.values())))
        for processor in engines.values():  # once each, untimed: imports and first-call caches
            work(processor)
        rows = int(data.num_rows) if hasattr(data, "num_rows") else len(data)
        seconds: dict[str, list[float]] = {name: [] for name in engines}
        recorded: list[TaskExecution] = []
        names = list(engines)
        for round_ in range(repeat):
            for name in names if round_ % 2 == 0 else names[::-1]:  # interleaved, alternating who goes first
                started, t0 = self.clock(), time.perf_counter()
                work(engines[name])
                elapsed = time.perf_counter() - t0
                seconds[name].append(elapsed)
                recorded.append(self._execution(table, task, name, started, elapsed, rows, round_))
        self.ledger.record_many(recorded)  # every round in one commit
        return self._advice(table, task, rows, seconds, since=recorded[0].id)

    def _task(self, task: str, data: Any, probe: AbstractProcessor) -> Callable[[AbstractProcessor], Any]:
        if task == "profile":
            return lambda p: p.profile(data)
        summary = probe.summary(data)
        schema = [(s.column, s.mean is not None, s.distinct) for s in summary]
        by, aggregations = aggregate_plan(schema)
        return lambda p: p.aggregate(data, by, aggregations)

    def _execution(
        self, table: str, task: str, engine: str, started: Any, elapsed: float, rows: int, round_: int
    ) -> TaskExecution:
        from datetime import timedelta

        return TaskExecution(
            id=uuid.uuid4().hex,
            kind="advice",
            subject=f"table:{table}",
            parameters={"task": task, "engine": engine, "round": round_},
            links={},
            started=started,
            ended=started + timedelta(seconds=elapsed),
            host=self.host,
            phases={task: round(elapsed, 6)},
            rows=rows,
            config={"processor": engine},
        )

    def _advice(self, table: str, task: str, rows: int, seconds: dict[str, list[float]], since: str) -> EngineAdvice:
        medians = {name: statistics.median(times) for name, times in seconds.items()}
        faster, slower = sorted(medians, key=lambda n: medians[n])[:2]
        ratio = medians[slower] / medians[faster] if medians[faster] > 0 else float("inf")
        pairs = [s / f for s, f in zip(seconds[slower], seconds[faster], strict=True) if f > 0]
        spread = (min(pairs), max(pairs)) if pairs else (ratio, ratio)
        rounds = len(seconds[faster])
        message = (
            f"On table {table} ({rows:,} rows), {faster} ran the {task} task {ratio:.1f}x faster than {slower} "
            f"(median of {rounds} interleaved rounds; per-round ratio {spread[0]:.1f}x to {spread[1]:.1f}x): "
            f"use HPDP_PROCESSOR_ENGINE={faster} for this table."
        )
        if spread[0] < 1.0:
            message = (
                f"On table {table} ({rows:,} rows), {faster} and {slower} ran the {task} task about as fast "
                f"(median ratio {ratio:.2f}x, per-round {spread[0]:.2f}x to {spread[1]:.2f}x over {rounds} "
                "rounds): either engine will do."
            )
        now = self.clock()
        finding = Finding.new(
            FindingKind.ENGINE_ADVICE,
            f"table:{table}",
            since,
            message,
            Severity.INFO,
            {
                "task": task,
                "rows": rows,
                "seconds": seconds,
                "median_s": medians,
                "ratio": ratio,
                "spread": list(spread),
                "faster": faster,
            },
            key=task,  # one advice per table and task: measuring again updates it
        ).but(created=now, updated=now)
        self.findings.upsert(finding)
        return EngineAdvice(table, task, rows, seconds, faster, slower, ratio, spread, finding)
