"""Shared fixtures: servers come from `.ci/with-servers` (HPDP_TEST_* variables)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.s3_server import S3Server

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
TESTS = Path(__file__).resolve().parent
# Markers given by place: `pytestmark` in a conftest.py marks nothing, so folders and files are marked here.
MARKED_PLACES = {
    "integration/sources": ("sources",),
    "e2e/test_ingest_cli.py": ("sources",),
    "integration/runs": ("kernel",),
    "e2e/jupyter": ("kernel",),
    "e2e/jupyter/test_lab_browser.py": ("browser",),
    "e2e/jupyter/test_lab_cells.py": ("browser",),
    "e2e/jupyter/test_lab_explorer.py": ("browser",),
    "e2e/serve/test_pages_browser.py": ("browser",),
    "integration/flight": ("flight",),
    "e2e/test_flight_cli.py": ("flight",),
    "e2e/test_runs_cli.py": ("kernel",),
    "e2e/test_demo_cli.py": ("kernel",),
    "e2e/test_run_output.py": ("kernel",),
    "e2e/test_wheel.py": ("kernel",),
    "e2e/test_up.py": ("kernel", "flight"),
    "e2e/test_hosts.py": ("kernel", "browser", "hosts"),
}
# Fixtures that need a server started by `.ci/with-servers`.
SERVER_FIXTURES = {"pg_url": "postgres", "pg_server_url": "postgres", "redis_env": "redis_queue"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        where = Path(str(item.path)).resolve().relative_to(TESTS).as_posix()
        for place, marks in MARKED_PLACES.items():
            if where == place or where.startswith(place + "/"):
                for mark in marks:
                    item.add_marker(mark)
        for fixture in set(getattr(item, "fixturenames", ())) & set(SERVER_FIXTURES):
            item.add_marker(SERVER_FIXTURES[fixture])


def need_server(variable: str, what: str) -> str:
    """The URL of a test server, or a skip (a failure under CI, where nothing may skip)."""
    url = os.environ.get(variable)
    if url:
        return url
    message = f"{what} is not running: run the tests through `make test` (it sets {variable})."
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def pg_server_url() -> str:
    return need_server("HPDP_TEST_PG_URL", "PostgreSQL")


@pytest.fixture
def pg_url(pg_server_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server_url, autocommit=True) as con:
        con.execute(f'CREATE DATABASE "{name}"')
    yield pg_server_url.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(pg_server_url, autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """moto's S3 server on a free loopback port (a dev dependency, so it always runs), stopped by its PID."""
    from tests import s3_server as moto

    server = moto.start(tmp_path_factory.mktemp("s3") / "moto.log")
    yield server
    moto.stop(server.process)


@pytest.fixture
def s3_lake(s3_server: S3Server) -> dict[str, str]:
    """Settings that put a lake's data files in a fresh bucket of the test S3 server."""
    return {
        "lake_data_path": f"s3://{s3_server.new_bucket()}/lake",
        "s3_endpoint": s3_server.endpoint,
        "s3_use_ssl": "false",
        "s3_key_id": s3_server.key_id,
        "s3_secret": s3_server.secret,
    }


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    home = tmp_path / "ws"
    home.mkdir()
    return home


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's HPDP_* settings or .env file."""
    for key in list(os.environ):
        if key.startswith("HPDP_") and not key.startswith("HPDP_TEST_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
