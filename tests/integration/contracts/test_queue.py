"""The queue contract, run against the local thread pool and against Redis (RQ) with a real server."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from hpdp.adapters.memory_runs import FakeRunner, FakeTracker
from hpdp.adapters.runs.sqlite_log import SQLiteRunLog
from hpdp.application.lazy import Lazy
from hpdp.application.runs import RunContext, RunService
from hpdp.application.runs_ports import AbstractQueue
from hpdp.domain.runs import RunRequest, RunStatus
from hpdp.infrastructure.registries import QUEUES
from tests.notebook_factory import SMALL, write_notebook

KINDS = {"thread": pytest.mark.thread_queue, "redis": pytest.mark.redis_queue}
assert set(KINDS) == set(QUEUES), "every built-in queue needs a case in the contract suite"


@dataclass
class QueueCase:
    service: RunService
    runner: FakeRunner
    drain: Callable[[list[str]], None]
    notebook: Path


def _queue(kind: str) -> tuple[AbstractQueue, Callable[[RunService, list[str]], None]]:
    if kind == "thread":
        from hpdp.adapters.queues.thread import ThreadQueue

        return ThreadQueue(workers=2), lambda service, ids: service.wait(ids, timeout_s=60)
    from hpdp.adapters.queues.redis import RedisQueue, work
    from tests.conftest import need_server

    url = need_server("HPDP_TEST_REDIS_URL", "Redis")
    queue = RedisQueue(url, f"hpdp-test-{uuid.uuid4().hex[:8]}")
    return queue, lambda service, ids: work(url, queue.queue_name, service.execute, burst=True)


@pytest.fixture(params=[pytest.param(k, marks=m, id=k) for k, m in KINDS.items()])
def case(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[QueueCase]:
    queue, drain = _queue(request.param)
    runner = FakeRunner()
    ctx = RunContext(
        runner=Lazy.of(runner),
        tracker=Lazy(FakeTracker),
        queue=queue,
        log=SQLiteRunLog(tmp_path / "runs.sqlite"),
        home=tmp_path,
        heartbeat_s=3600,
    )
    service = RunService(ctx)
    nb = write_notebook(tmp_path / "nb.ipynb", SMALL[0] + 'fail = ""\n', SMALL[1])
    yield QueueCase(service, runner, lambda ids: drain(service, ids), nb)
    service.close()


def test_queued_runs_are_recorded_as_queued_then_executed_once(case: QueueCase) -> None:
    records = [case.service.submit(RunRequest(str(case.notebook), {"x": i})) for i in range(4)]
    assert all(r.status is RunStatus.QUEUED and r.queue == case.service.ctx.queue.name for r in records)
    case.drain([r.id for r in records])
    done = [case.service.ctx.log.get(r.id) for r in records]
    assert [r.status for r in done] == [RunStatus.FINISHED] * 4
    assert sorted(call["x"] for call in case.runner.calls) == [0, 1, 2, 3]


def test_a_failing_run_does_not_affect_the_others(case: QueueCase) -> None:
    bad = case.service.submit(RunRequest(str(case.notebook), {"fail": "nope"}))
    good = case.service.submit(RunRequest(str(case.notebook), {"x": 9}))
    case.drain([bad.id, good.id])
    assert case.service.ctx.log.get(bad.id).status is RunStatus.FAILED
    assert case.service.ctx.log.get(bad.id).reason == "RuntimeError: nope"
    assert case.service.ctx.log.get(good.id).status is RunStatus.FINISHED


def test_bad_parameters_queue_nothing(case: QueueCase) -> None:
    from hpdp.domain.runs import ParameterError

    with pytest.raises(ParameterError):
        case.service.submit(RunRequest(str(case.notebook), {"x": "many"}), from_text=True)
    assert case.service.ctx.log.list() == []


def test_an_unreachable_redis_is_a_clear_error() -> None:
    from hpdp.adapters.queues.redis import RedisQueue
    from hpdp.domain.errors import UnavailableError

    with pytest.raises(UnavailableError, match="not reachable"):
        RedisQueue("redis://127.0.0.1:1/0", "nowhere").submit("r1")
