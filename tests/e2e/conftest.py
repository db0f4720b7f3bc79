"""Debian's Chromium for pytest-playwright's one browser per session, shared by every browser test here.

A test that started its own `sync_playwright()` after the session's had started would find the session's
event loop running and fail, so browser tests take the `browser` or `page` fixture instead."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.browser import ARGS, need_chromium


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": need_chromium(), "args": ARGS}
