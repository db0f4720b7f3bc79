"""Reading workspace events from a server's sockets until an expected one comes."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import httpx

WAIT_S = 120.0


def until(receive: Callable[[float], Any], wanted: Callable[[dict], bool], nudge: Callable[[], None] | None = None,
          timeout: float = WAIT_S) -> tuple[dict, list[dict]]:  # fmt: skip
    """Messages until one is `wanted` (returned with all seen). `nudge` runs first and again after each quiet
    second: a subscription may not be listening yet when the first nudge happens."""
    seen: list[dict] = []
    deadline = time.monotonic() + timeout
    if nudge:
        nudge()
    while time.monotonic() < deadline:
        try:
            message = json.loads(receive(1.0))
        except TimeoutError:
            if nudge:
                nudge()
            continue
        seen.append(message)
        if wanted(message):
            return message, seen
    raise AssertionError(f"no wanted event in {timeout} s; seen: {seen}")


def writer(api: httpx.Client, table: str) -> Callable[[], None]:
    """A nudge that appends one row to `table` (each append is a new snapshot)."""

    def write() -> None:
        api.post(f"/api/v1/tables/{table}", json=[{"v": 1}]).raise_for_status()

    return write


def created(table: str) -> Callable[[dict], bool]:
    return lambda e: e.get("type") == "snapshot.created" and table in str(e.get("tables", "")).split(",")
