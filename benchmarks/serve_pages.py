"""The Data page of `hpdp serve` over a large table: time to first rows visible, page-flip latency, server RSS.

    python benchmarks/serve_pages.py [--rows 10000000] [--loads 5] [--flips 20]

The pages server runs in its own process (FastAPI + Panel in uvicorn) over a DuckLake holding one table; the
browser is Debian's Chromium through Playwright. Time to first rows: from `goto` until the first row's cell is
visible (target < 1 s; the page reads only the visible page from the store). Then `--flips` clicks on Next,
each until its rows show, with the server's RSS before and after.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np
import psutil
import pyarrow as pa
from playwright.sync_api import expect, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.e2e.browser import ARGS, CHROMIUM  # noqa: E402

SERVER = """
import sys, uvicorn
from fastapi import FastAPI
from hpdp.infrastructure.container import Container
from hpdp.infrastructure.settings import Settings
from hpdp.presentation.web.pages import mount
container = Container(Settings(home=sys.argv[1], tracker="memory")).start()
app = FastAPI()
mount(app, container)
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def build(home: Path, rows: int) -> None:
    from hpdp.infrastructure.container import Container
    from hpdp.infrastructure.settings import Settings

    ids = np.arange(rows, dtype=np.int64)
    data = pa.table({"id": ids, "x": ids * 0.5, "bucket": ids % 1000})
    with Container(Settings(home=home, tracker="memory")) as c:
        c.workbench().write("big", data)


def wait_http(url: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise SystemExit(f"the pages server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the pages server did not answer")


def rss_mb(proc: psutil.Process) -> float:
    return sum(p.memory_info().rss for p in [proc, *proc.children(recursive=True)]) / 2**20


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--loads", type=int, default=5)
    parser.add_argument("--flips", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        home = Path(scratch) / "ws"
        started = time.perf_counter()
        build(home, args.rows)
        print(f"table: {args.rows:,} rows written in {time.perf_counter() - started:.1f} s")
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("HPDP_")}
        server = subprocess.Popen([sys.executable, "-c", SERVER, str(home), str(port)], env=env)
        try:
            url = f"http://127.0.0.1:{port}/data"
            wait_http(url, server)
            measure(url, psutil.Process(server.pid), args)
        finally:
            server.terminate()
            server.wait(timeout=30)


def measure(url: str, server: psutil.Process, args: argparse.Namespace) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            warm = browser.new_context()  # a returning visitor: scripts and styles come from the cache
            for label, context in (("new browser", None), ("cached", warm)):
                firsts = []
                for _ in range(args.loads):
                    page = browser.new_page() if context is None else context.new_page()
                    started = time.perf_counter()
                    page.goto(url)
                    first = page.locator(".tabulator-cell[tabulator-field='id']").first
                    expect(first).to_have_text("0", timeout=60_000)
                    firsts.append(time.perf_counter() - started)
                    page.close()
                print(
                    f"first rows visible ({label}): median {statistics.median(firsts):.2f} s, "
                    f"all {[round(t, 2) for t in firsts]} (target < 1 s)"
                )
            page = browser.new_page()
            page.goto(url)
            cell = page.locator(".tabulator-cell[tabulator-field='id']").first
            expect(cell).to_have_text("0", timeout=60_000)
            before = rss_mb(server)
            flips = []
            for n in range(1, args.flips + 1):
                started = time.perf_counter()
                page.get_by_role("button", name="Next ›").click()
                expect(cell).to_have_text(f"{n * 100:,}", timeout=60_000)
                flips.append(time.perf_counter() - started)
            after = rss_mb(server)
            print(
                f"page flips: {args.flips}, median {statistics.median(flips) * 1000:.0f} ms, "
                f"max {max(flips) * 1000:.0f} ms"
            )
            print(f"server RSS: {before:.0f} MB before, {after:.0f} MB after ({after - before:+.0f} MB)")
        finally:
            browser.close()


if __name__ == "__main__":
    main()
