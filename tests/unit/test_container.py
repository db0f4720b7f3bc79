"""The composition root: lazy parts, fakes for any port, one close for all."""

from __future__ import annotations

from pathlib import Path

import pytest

from hpdp.adapters.memory_runs import FakeRunner, FakeTracker, InlineQueue
from hpdp.application.lazy import Lazy
from hpdp.domain.errors import UnknownAdapterError
from hpdp.infrastructure.container import Container
from hpdp.infrastructure.settings import load_settings
from tests.unit.fakes import FakeProcessor, FakeStore


def test_listing_tables_builds_no_run_service(tmp_path: Path) -> None:
    with Container(load_settings(home=tmp_path), store=FakeStore(), processor=FakeProcessor()) as c:
        assert c.workbench().tables() == []
        assert not c._runs.built


def test_schedules_need_only_the_run_log(tmp_path: Path) -> None:
    with Container(load_settings(home=tmp_path, tracker="memory")) as c:
        assert c.schedules().list_schedules() == []
        assert not c._runs.built and c._run_log.built
    assert (tmp_path / "runs.sqlite").is_file()


def test_runs_take_fakes_and_close_once(tmp_path: Path) -> None:
    runner, queue = FakeRunner(), InlineQueue()
    c = Container(load_settings(home=tmp_path), runner=runner, tracker=FakeTracker(), queue=queue)
    with c:
        service = c.runs()
        assert service.ctx.runner.get() is runner and service.ctx.queue is queue
        assert c.workbench().run_notebook is not None
    service.close()  # already closed with the container: nothing happens


def test_an_unknown_run_log_lists_the_known_ones(tmp_path: Path) -> None:
    c = Container(load_settings(home=tmp_path, run_log="nope", tracker="memory"))
    with pytest.raises(UnknownAdapterError, match=r"HPDP_RUN_LOG='nope'.*accepted values: postgres, sqlite"):
        c.runs()
    c.close()


def test_a_lazy_part_is_built_once() -> None:
    calls = []
    lazy = Lazy(lambda: calls.append(1) or len(calls))
    assert not lazy.built and lazy.peek() is None
    assert lazy.get() == lazy.get() == 1 and lazy.built and calls == [1]
