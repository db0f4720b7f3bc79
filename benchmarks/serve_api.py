"""The HTTP API of `hpdp serve` under load: 1 client, then N concurrent clients; p50/p99 latency and req/s.

    python benchmarks/serve_api.py [--clients 16] [--requests 50] [--rows 1000000]

The server is `hpdp serve` in its own process over a DuckLake workspace in a temporary folder holding a
table of `--rows` rows. Each client is a thread with its own keep-alive connection, sending `--requests`
requests one after another. Operations:
  page   GET /api/v1/tables/big?limit=100&offset=<random>  (a JSON page and the table's row count)
  sql    POST /api/v1/sql  SELECT k % 10, count(*), avg(v) ... GROUP BY 1  (a small aggregate, read-only)
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

TOKEN = "bench-token"
SQL = {"sql": "SELECT k % 10 AS g, count(*) AS n, avg(v) AS mean FROM big GROUP BY 1 ORDER BY 1"}


def seed(home: Path, rows: int) -> None:
    import pyarrow as pa

    import hpdp

    keys = pa.array(range(rows), pa.int64())
    with hpdp.open(home=str(home)) as hp:
        hp.write("big", pa.table({"k": keys, "v": pa.compute.multiply(keys.cast(pa.float64()), 0.5)}))


def start(home: Path) -> tuple[subprocess.Popen[bytes], str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HPDP_")}
    env.update(HPDP_HOME=str(home), HPDP_TRACKER="memory")
    log = home.parent / "serve.log"
    with log.open("wb") as out:
        argv = [sys.executable, "-m", "hpdp", "serve", "--port", "0", "--no-flight", "--token", TOKEN]
        process = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if found := re.search(r"REST API\s+(http://\S+)/api/v1", log.read_text()):
            return process, found.group(1)
        if process.poll() is not None:
            raise SystemExit(f"hpdp serve ended:\n{log.read_text()}")
        time.sleep(0.1)
    raise SystemExit("hpdp serve did not start")


def operations(rows: int) -> dict[str, Callable[[httpx.Client, random.Random], httpx.Response]]:
    return {
        "page": lambda c, rnd: c.get("/api/v1/tables/big", params={"limit": 100, "offset": rnd.randrange(rows - 100)}),
        "sql": lambda c, rnd: c.post("/api/v1/sql", json=SQL),
    }


def load(url: str, op: Callable[..., httpx.Response], clients: int, requests: int) -> tuple[list[float], float]:
    """Latencies (s) of every request, and the wall time of the whole round."""
    latencies: list[float] = []
    lock = threading.Lock()
    start_line = threading.Barrier(clients + 1)

    def client(n: int) -> None:
        rnd = random.Random(n)
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=120) as c:
            op(c, rnd).raise_for_status()  # connection up before the clock starts
            start_line.wait()
            mine = []
            for _ in range(requests):
                t0 = time.perf_counter()
                op(c, rnd).raise_for_status()
                mine.append(time.perf_counter() - t0)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    start_line.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    return latencies, time.perf_counter() - t0


def quantile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q * 100) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--requests", type=int, default=50, help="requests per client")
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "ws"
        seed(home, args.rows)
        process, url = start(home)
        try:
            print(f"hpdp serve at {url}, table big: {args.rows:,} rows, {args.requests} requests per client, "
                  f"{os.cpu_count()} CPUs")  # fmt: skip
            print(f"{'operation':<10} {'clients':>7} {'p50 ms':>9} {'p99 ms':>9} {'req/s':>9}  vs 1 client")
            for name, op in operations(args.rows).items():
                single = None
                for clients in (1, args.clients):
                    latencies, wall = load(url, op, clients, args.requests)
                    rate = len(latencies) / wall
                    single = single or rate
                    p50, p99 = quantile(latencies, 0.5) * 1e3, quantile(latencies, 0.99) * 1e3
                    print(f"{name:<10} {clients:>7} {p50:>9.1f} {p99:>9.1f} {rate:>9.0f}  {rate / single:.2f}x")
        finally:
            process.terminate()
            process.wait(timeout=60)


if __name__ == "__main__":
    main()
