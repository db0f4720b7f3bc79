"""The GraphQL types, queries, mutations and the `events` subscription.

Objects are built from the same dicts REST returns (presentation/web/shapes.py), so both doors show one shape.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from hpdp.presentation.web import shapes
from hpdp.presentation.web.graphql.resolve import call, container


@strawberry.type
class Column:
    name: str
    type: str


@strawberry.type
class Table:
    name: str
    rows: int

    @strawberry.field(description="Column names and types.")
    async def schema(self, info: Info, as_of: int | None = None) -> list[Column]:
        columns = await call(container(info).queries().schema, self.name, as_of=as_of)
        return [Column(name=n, type=t) for n, t in columns]


@strawberry.type
class Snapshot:
    id: int
    time: str
    changes: str
    tables: list[str]


@strawberry.type
class Load:
    load_id: str
    source: str
    table: str
    started: str
    finished: str
    status: str
    rows: int
    pages: int
    seconds: float
    mode: str
    snapshot: int | None
    error: str | None


@strawberry.type
class Source:
    name: str
    kind: str
    table: str
    mode: str
    cursor_field: str | None
    last_load: Load | None


@strawberry.type
class Run:
    id: str
    notebook: str
    notebook_name: str
    parameters: JSON
    experiment: str | None
    schedule: str | None
    attempt: int
    status: str
    queue: str
    created: str
    started: str | None
    ended: str | None
    duration_s: float | None
    output_path: str | None
    tracking_id: str | None
    tracking_url: str | None
    reason: str | None
    worker: str | None
    host: str | None


@strawberry.type
class Schedule:
    name: str
    notebook: str
    cron: str
    tz: str
    parameters: JSON
    paused: bool
    state: str
    missed: str
    allow_overlap: bool
    retries: int
    backoff_s: float
    timeout_s: float | None
    last_due: str | None
    created: str | None
    next_due: str | None


@strawberry.type
class Ranked:
    rank: int
    parameters: JSON
    runs: int
    failed: int
    mean: float | None
    min: float | None
    max: float | None


@strawberry.type
class Experiment:
    name: str

    @strawberry.field(description="Parameter combinations ranked by a metric (default wall_time_s).")
    async def ranking(self, info: Info, metric: str | None = None, descending: bool = False) -> list[Ranked]:
        rows = await call(container(info).experiments().compare, self.name, metric, descending=descending)
        fields = ("rank", "parameters", "runs", "failed", "mean", "min", "max")
        return [Ranked(**{k: r[k] for k in fields}) for r in rows]


@strawberry.type
class Finding:
    id: str
    kind: str
    subject: str
    severity: str
    status: str
    message: str
    since: str
    evidence: JSON
    created: str | None
    updated: str | None


@strawberry.type
class Event:
    type: str
    at: str
    ids: JSON


@strawberry.input
class ScheduleInput:
    name: str
    notebook: str
    cron: str
    tz: str = "UTC"
    parameters: JSON | None = None
    missed: str = "run-once"
    allow_overlap: bool = False
    retries: int = 0
    backoff_s: float = 60.0
    timeout_s: float | None = None


def _load(d: dict[str, Any]) -> Load:
    return Load(**d)


def _source(d: dict[str, Any]) -> Source:
    return Source(**{**d, "last_load": _load(d["last_load"]) if d["last_load"] else None})


def _finding(f: Any) -> Finding:
    return Finding(**shapes.finding(f))


def _schedule(view: Any) -> Schedule:
    return Schedule(**shapes.schedule_view(view))


@strawberry.type
class Query:
    @strawberry.field
    async def tables(self, info: Info) -> list[Table]:
        return [Table(**shapes.table(t)) for t in await call(container(info).queries().tables)]

    @strawberry.field
    async def table(self, info: Info, name: str, as_of: int | None = None) -> Table:
        rows = await call(container(info).queries().count, name, as_of=as_of)
        return Table(name=name, rows=rows)

    @strawberry.field
    async def snapshots(self, info: Info, table: str | None = None) -> list[Snapshot]:
        return [Snapshot(**shapes.snapshot(s)) for s in await call(container(info).workbench().snapshots, table)]

    @strawberry.field
    async def sources(self, info: Info) -> list[Source]:
        def listed() -> list[dict[str, Any]]:
            ingestion = container(info).ingestion()
            last = ingestion.last_loads()
            return [shapes.source(n, s, last.get(n)) for n, s in sorted(ingestion.specs().items())]

        return [_source(d) for d in await call(listed)]

    @strawberry.field
    async def loads(self, info: Info, source: str | None = None, limit: int = 50) -> list[Load]:
        return [_load(shapes.load(r)) for r in await call(container(info).ingestion().loads, source, limit=limit)]

    @strawberry.field
    async def runs(
        self,
        info: Info,
        status: str | None = None,
        notebook: str | None = None,
        schedule: str | None = None,
        limit: int = 30,
    ) -> list[Run]:
        records = await call(
            lambda: container(info).runs().list_runs(status=status, notebook=notebook, schedule=schedule, limit=limit)
        )
        return [Run(**shapes.run(r)) for r in records]

    @strawberry.field
    async def run(self, info: Info, id: str) -> Run:
        return Run(**shapes.run(await call(lambda: container(info).runs().get(id))))

    @strawberry.field
    async def schedules(self, info: Info) -> list[Schedule]:
        return [_schedule(v) for v in await call(lambda: container(info).schedules().list_schedules())]

    @strawberry.field
    async def schedule(self, info: Info, name: str) -> Schedule:
        return _schedule(await call(lambda: container(info).schedules().get(name)))

    @strawberry.field(description="The next fire times (UTC) of a cron expression from now.")
    async def next_fire_times(self, info: Info, cron: str, tz: str = "UTC", n: int = 5) -> list[str]:
        times = await call(lambda: container(info).schedules().next_fire_times(cron, tz, n))
        return [t.isoformat() for t in times]

    @strawberry.field
    async def experiments(self, info: Info) -> list[Experiment]:
        return [Experiment(name=n) for n in await call(lambda: container(info).experiments().names())]

    @strawberry.field
    async def experiment(self, info: Info, name: str) -> Experiment:
        return Experiment(name=name)

    @strawberry.field(description="Findings drawn from the execution ledger: the open ones, or all of them.")
    async def insights(self, info: Info, all: bool = False) -> list[Finding]:
        return [_finding(f) for f in await call(lambda: container(info).insights().listing(all))]


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Check the parameters against the notebook and queue the run.")
    async def queue_run(
        self,
        info: Info,
        notebook: str,
        parameters: JSON | None = None,
        experiment: str | None = None,
        timeout_s: float | None = None,
    ) -> Run:
        from hpdp.domain.runs import RunRequest

        request = RunRequest(notebook, dict(parameters or {}), experiment=experiment, timeout_s=timeout_s)
        return Run(**shapes.run(await call(lambda: container(info).runs().submit(request))))

    @strawberry.mutation
    async def add_schedule(self, info: Info, schedule: ScheduleInput) -> Schedule:
        from hpdp.domain.runs import MissedPolicy, ScheduleError
        from hpdp.domain.runs import Schedule as Planned

        def add() -> Any:
            try:
                missed = MissedPolicy(schedule.missed)
            except ValueError:
                accepted = ", ".join(m.value for m in MissedPolicy)
                raise ScheduleError(f"missed {schedule.missed!r} is not known; use {accepted}.") from None
            fields = {**vars(schedule), "parameters": dict(schedule.parameters or {}), "missed": missed}
            return container(info).schedules().add(Planned(**fields))

        return _schedule(await call(add))

    @strawberry.mutation
    async def pause_schedule(self, info: Info, name: str) -> Schedule:
        def pause() -> Any:
            service = container(info).schedules()
            service.pause(name)
            return service.get(name)

        return _schedule(await call(pause))

    @strawberry.mutation
    async def resume_schedule(self, info: Info, name: str) -> Schedule:
        def resume() -> Any:
            service = container(info).schedules()
            service.resume(name)
            return service.get(name)

        return _schedule(await call(resume))

    @strawberry.mutation
    async def remove_schedule(self, info: Info, name: str) -> bool:
        await call(lambda: container(info).schedules().remove(name))
        return True

    @strawberry.mutation(description="Dismiss a finding: it is not raised again for the same evidence.")
    async def dismiss_insight(self, info: Info, id: str) -> Finding:
        return _finding(await call(lambda: container(info).insights().dismiss(id)))


@strawberry.type
class Subscription:
    @strawberry.subscription(description="Workspace events from every process; `types` narrows (run.*).")
    async def events(self, info: Info, types: list[str] | None = None) -> AsyncGenerator[Event, None]:
        hub = info.context["request"].app.state.hub
        async for event in hub.stream(tuple(types or ())):
            ids = {k: v for k, v in event.items() if k not in ("type", "at")}
            yield Event(type=event["type"], at=event["at"], ids=ids)


def build_schema() -> strawberry.Schema:
    return strawberry.Schema(query=Query, mutation=Mutation, subscription=Subscription)
