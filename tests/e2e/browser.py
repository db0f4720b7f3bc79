"""Debian's Chromium for browser tests (Playwright's own download is not available here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import IN_CI

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def need_chromium() -> str:
    """The Chromium binary, or a skip (a failure under CI, where nothing may skip)."""
    if not Path(CHROMIUM).exists():
        message = "Chromium is not installed: run the tests through `make test` (it installs it)."
        pytest.fail(message) if IN_CI else pytest.skip(message)
    return CHROMIUM
