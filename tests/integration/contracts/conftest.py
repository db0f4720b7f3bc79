from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hpdp.application.store_ports import AbstractStore
from hpdp.infrastructure.parts import build_store
from hpdp.infrastructure.registries import Registries
from hpdp.infrastructure.settings import load_settings
from tests.integration.contracts.engines import CASES, EngineCase


def _marks(case: EngineCase) -> list[pytest.MarkDecorator]:
    marks = [getattr(pytest.mark, case.name)]
    return [*marks, pytest.mark.postgres] if case.needs_postgres and case.name != "postgres" else marks


@pytest.fixture(params=[pytest.param(c, marks=_marks(c), id=i) for i, c in CASES.items()])
def case(request: pytest.FixtureRequest) -> EngineCase:
    return request.param


@pytest.fixture
def open_store(
    case: EngineCase, workspace: Path, request: pytest.FixtureRequest
) -> Iterator[Callable[[], AbstractStore]]:
    """Opens (and re-opens) the engine under test on one workspace; closes everything at the end."""
    url = request.getfixturevalue("pg_url") if case.needs_postgres else None
    lake = request.getfixturevalue("s3_lake") if case.object_storage else {}
    opened: list[AbstractStore] = []

    def _open() -> AbstractStore:
        settings = load_settings(home=workspace, db_engine=case.name, db_url=url, **lake)
        store = build_store(settings, Registries())
        opened.append(store)
        return store

    yield _open
    for s in opened:
        s.close()


@pytest.fixture
def store(open_store: Callable[[], AbstractStore]) -> AbstractStore:
    return open_store()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        case = callspec.params.get("case") if callspec else None
        if isinstance(case, EngineCase):
            reason = dict(case.gaps).get(item.originalname)  # type: ignore[attr-defined]
            if reason:
                item.add_marker(pytest.mark.xfail(strict=True, reason=reason))
