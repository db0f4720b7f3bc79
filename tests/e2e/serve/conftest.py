"""The pages server for the browser tests (one per module)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.serve.site import Site, serve_site


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with serve_site(tmp_path_factory.mktemp("pages") / "ws") as served:
        yield served


@pytest.fixture(autouse=True, scope="session")
def _patient_expectations() -> None:
    """Expectations wait for the page's state up to 30 s (Playwright's 5 s is short on two busy cores)."""
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)
