"""Running `hpdp` as a subprocess for the notebook-run tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hpdp.adapters.runs.sqlite_log import SQLiteRunLog
from hpdp.domain.runs import RunRecord
from tests.hosts import wait_until


def env_for(home: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HPDP_") or k.startswith("HPDP_TEST_")}
    env.update({"HPDP_HOME": str(home), **{f"HPDP_{k.upper()}": v for k, v in settings.items()}})
    return env


def hpdp(env: dict[str, str], *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hpdp", *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def start(env: dict[str, str], *args: str, log: Path, errors: Path | None = None) -> subprocess.Popen[bytes]:
    """`hpdp ARGS` in the background; standard error goes to `errors` if given, else into `log` too."""
    argv = [sys.executable, "-m", "hpdp", *args]
    with log.open("wb") as out:  # the child keeps its own handles
        if errors is None:
            return subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT)
        with errors.open("wb") as err:
            return subprocess.Popen(argv, env=env, stdout=out, stderr=err)


def redis_settings() -> dict[str, str]:
    """The test Redis server and a queue of this test's own (a skip, or a failure under CI, without a server)."""
    from tests.conftest import need_server

    url = need_server("HPDP_TEST_REDIS_URL", "Redis")
    return {"queue": "redis", "redis_url": url, "queue_name": f"q{uuid.uuid4().hex[:10]}"}


def stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM, timeout: float = 60) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for(what: Callable[[], Any], timeout: float = 120, every: float = 0.5) -> Any:
    return wait_until(what, "the awaited state", timeout, every)


def runs(home: Path, **filters: Any) -> list[RunRecord]:
    log = SQLiteRunLog(home / "runs.sqlite")
    try:
        return log.list(**filters)
    finally:
        log.close()
