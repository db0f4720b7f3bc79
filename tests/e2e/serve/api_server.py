"""`hpdp serve` as a user starts it, in a subprocess on a free port of 127.0.0.1, over a DuckLake workspace
seeded with a few tables, a memory source and a small notebook; and clients for it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import httpx
import pyarrow as pa
import yaml

from tests.e2e.runs_cli import env_for, start, stop, wait_for
from tests.notebook_factory import write_notebook

TOKEN = "s3cret-Token-for-tests"
BIG_ROWS = 200_000
ARROW = "application/vnd.apache.arrow.stream"


@dataclass
class Server:
    url: str
    token: str
    home: Path
    env: dict[str, str]
    log: Path
    notebook: Path

    def client(self, token: str | None = TOKEN) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60, follow_redirects=False)

    @property
    def ws(self) -> str:
        return self.url.replace("http://", "ws://", 1)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def seed(home: Path) -> Path:
    """Tables `people` (nulls, NaN, dates) and `big`; a memory source `fruit`; a notebook `report.ipynb`."""
    import hpdp

    home.mkdir(parents=True, exist_ok=True)
    people = pa.table(
        {
            "id": [1, 2, 3, 4, 5],
            "name": ["ada", "bob", None, "dan", "eve"],
            "score": [1.5, float("nan"), 3.25, None, 5.0],
            "born": [date(1990, 1, 2), date(1985, 5, 6), None, date(2000, 2, 29), date(1970, 12, 31)],
            "seen": [datetime(2024, 1, 1, 12, 0, 0)] * 5,
        }
    )
    ids = pa.array(range(BIG_ROWS), pa.int64())
    big = pa.table({"id": ids, "half": pa.compute.divide(ids.cast(pa.float64()), 2.0)})
    with hpdp.open(home=str(home)) as hp:
        hp.write("people", people)
        hp.write("big", big)
    catalog = {
        "sources": {
            "fruit": {
                "kind": "memory",
                "url": "memory://fruit",
                "table": "fruit",
                "pages": [[{"id": 1, "name": "apple"}], [{"id": 2, "name": "pear"}]],
            }
        }
    }
    (home / "sources.yaml").write_text(yaml.safe_dump(catalog))
    return write_notebook(home / "report.ipynb", "x = 1\n", "print('x is', x)", kernel="python3")


@contextmanager
def serve_api(home: Path, token: str | None = TOKEN, *, flight: bool = False, **settings: str) -> Iterator[Server]:
    notebook = seed(home)
    env = env_for(home, tracker="memory", **settings)
    log = home.parent / f"{home.name}-serve.log"
    endpoint = ["--flight-port", "0"] if flight else ["--no-flight"]
    args = ["serve", "--port", "0", *endpoint, *(["--token", token] if token else [])]
    process = start(env, *args, log=log)
    try:
        found = wait_for(lambda: _url(log) or _died(process, log), timeout=120, every=0.1)
        yield Server(found, token or "", home, env, log, notebook)
    finally:
        stop(process)
    assert process.returncode == 0, log.read_text()


def _url(log: Path) -> str | None:
    match = re.search(r"REST API\s+(http://[\d.]+:\d+)/api/v1", log.read_text(errors="replace"))
    return match.group(1) if match else None


def _died(process: Any, log: Path) -> None:
    if process.poll() is not None:
        raise AssertionError(f"hpdp serve ended with {process.returncode}:\n{log.read_text()}")
