"""The REST API under load: 1 against 16 concurrent clients, and quick requests beside a long query; prints ratios.

    python benchmarks/serve_load.py [--rows 2000000] [--seconds 4]

`hpdp serve` runs in its own process over a DuckLake with a table `big`; the clients are threads of this
process, each with its own HTTP connection. Two requests: a page (`GET /api/v1/tables/big?limit=100`) and a
small aggregate (`POST /api/v1/sql`). Then the page again while another client runs a long aggregate in a
loop: if requests waited on each other's queries, its p50 would grow by the long query's time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from serve import make_lake, rest_server

PAGE = ("GET", "/api/v1/tables/big", {"params": {"limit": 100, "offset": 5000}})
AGGREGATE = ("POST", "/api/v1/sql", {"json": {"sql": "SELECT count(*) AS n, avg(value) AS v FROM big WHERE flag"}})
LONG = {"json": {"sql": "SELECT count(DISTINCT category || id::VARCHAR) AS n FROM big", "limit": 1}}

Request = tuple[str, str, dict[str, object]]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def load(url: str, request: Request, clients: int, seconds: float) -> tuple[list[float], float]:
    """Latencies of every request made by `clients` threads in `seconds`, and requests per second."""
    method, path, kwargs = request
    latencies: list[list[float]] = [[] for _ in range(clients)]
    barrier, stop = threading.Barrier(clients + 1), threading.Event()

    def client(k: int) -> None:
        with httpx.Client(base_url=url, timeout=120) as http:
            http.request(method, path, **kwargs).raise_for_status()  # connection and first-use work
            barrier.wait()
            while not stop.is_set():
                start = time.perf_counter()
                http.request(method, path, **kwargs).raise_for_status()
                latencies[k].append(time.perf_counter() - start)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    barrier.wait()
    began = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    done = [x for per in latencies for x in per]
    return done, len(done) / (time.perf_counter() - began)


def beside(url: str, long_loop: Callable[[threading.Event], int], seconds: float) -> tuple[list[float], int]:
    stop, runs = threading.Event(), [0]
    worker = threading.Thread(target=lambda: runs.__setitem__(0, long_loop(stop)))
    worker.start()
    time.sleep(0.5)
    try:
        found, _ = load(url, PAGE, 1, seconds)
    finally:
        stop.set()
        worker.join()
    return found, runs[0]


def ms(value: float) -> str:
    return f"{value * 1000:8.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--seconds", type=float, default=4.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        lake = make_lake(Path(folder) / "ws", args.rows)
        with rest_server(lake) as url:
            print(f"hpdp serve over a DuckLake of {args.rows:,} rows; {args.seconds:g} s per measurement\n")
            print(f"{'request':<11}{'clients':>8}{'p50':>12}{'p99':>12}{'req/s':>9}{'x 1 client':>12}")
            for name, request in (("page", PAGE), ("aggregate", AGGREGATE)):
                base = 0.0
                for clients in (1, 16):
                    found, rate = load(url, request, clients, args.seconds)
                    base = base or rate
                    p50, p99 = statistics.median(found), percentile(found, 0.99)
                    print(f"{name:<11}{clients:>8}{ms(p50)}{ms(p99)}{rate:>9.0f}{rate / base:>12.2f}")

            def long_loop(stop: threading.Event) -> int:
                runs = 0
                with httpx.Client(base_url=url, timeout=600) as http:
                    while not stop.is_set():
                        http.post("/api/v1/sql", **LONG).raise_for_status()  # type: ignore[arg-type]
                        runs += 1
                return runs

            quiet, _ = load(url, PAGE, 1, args.seconds)
            busy, runs = beside(url, long_loop, args.seconds)
            ratio = statistics.median(busy) / statistics.median(quiet)
            print(f"\npage p50 alone {ms(statistics.median(quiet))}; beside a long query looping in another client")
            print(f"{ms(statistics.median(busy))} (the long query ran {runs}x): {ratio:.2f}x")


if __name__ == "__main__":
    main()
