"""A seeded workspace served with every page, on a free port of 127.0.0.1, for browser tests and screenshots.

Seeded: a 1M-row table, one REST source against the test API, one finished run (its output notebook holds
an output), and an experiment of three child runs. Runs use the in-memory tracker and a runner that copies
the notebook, so no kernel starts.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import yaml

from tests.integration.sources.api import Api, build_app
from tests.integration.sources.servers import serve_asgi

BIG_ROWS = 1_000_000
RUN_OUTPUT = "report ready: 42"


@dataclass
class Site:
    url: str
    home: Path
    container: Any
    run_id: str
    notebook: Path


def report_notebook(path: Path) -> Path:
    """A notebook with a parameters cell and a cell whose stored output the Runs page must show."""
    cells = [
        {"cell_type": "code", "execution_count": 1, "id": "p1", "metadata": {"tags": ["parameters"]},
         "outputs": [], "source": "x = 1\n"},
        {"cell_type": "code", "execution_count": 2, "id": "c1", "metadata": {},
         "outputs": [{"name": "stdout", "output_type": "stream", "text": f"{RUN_OUTPUT}\n"}],
         "source": "print('report ready:', 42)"},
    ]  # fmt: skip
    meta = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    path.write_text(json.dumps({"cells": cells, "metadata": meta, "nbformat": 4, "nbformat_minor": 5}))
    return path


def seed(container: Any, home: Path) -> tuple[str, Path]:
    from hpdp.domain.runs import ExperimentSpec, RunRequest

    ids = pa.array(range(BIG_ROWS), pa.int64())
    big = pa.table({"id": ids, "x": pa.compute.multiply(ids.cast(pa.float64()), 0.5)})
    container.workbench().write("big", big)
    notebook = report_notebook(home / "report.ipynb")
    record = container.runs().run(RunRequest(str(notebook), {"x": 3}))
    container.experiments().run(ExperimentSpec(name="grid", notebook=str(notebook), grid={"x": [1, 2, 3]}))
    return record.id, notebook


def build_container(home: Path) -> Any:
    from hpdp.adapters.memory_runs import FakeRunner, FakeTracker, InlineQueue
    from hpdp.infrastructure.container import Container
    from hpdp.infrastructure.settings import Settings

    settings = Settings(home=home, db_engine="ducklake")
    return Container(settings, tracker=FakeTracker(), runner=FakeRunner(), queue=InlineQueue()).start()


@contextmanager
def serve_app(app: Any) -> Iterator[str]:
    """uvicorn in a thread with the app's lifespan (Bokeh's session clean-up runs in it)."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True, name="pages-server")
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the pages server did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


@contextmanager
def serve_site(home: Path) -> Iterator[Site]:
    from fastapi import FastAPI

    from hpdp.presentation.web.pages import mount

    home.mkdir(parents=True, exist_ok=True)
    with serve_asgi(build_app(Api())) as api:
        source = {"url": f"{api}/next_link", "records": "data", "pagination": {"type": "next_link"}}
        (home / "sources.yaml").write_text(yaml.safe_dump({"sources": {"items": source}}))
        container = build_container(home)
        try:
            run_id, notebook = seed(container, home)
            app = FastAPI()
            mount(app, container)
            with serve_app(app) as url:
                yield Site(url, home, container, run_id, notebook)
        finally:
            container.close()
