"""Readers and writers at the same time on one store, through the public API; prints ratios.

    python benchmarks/concurrency.py [--rows 3000000] [--seconds 3] [--engine ducklake]

1. Latency under load: a point query's p50 while another thread runs a heavy query in a loop, against the
   same query on a quiet store (target <= 3x).
2. Throughput: small queries per second at 1, 2, 4 and 8 threads (target >= 1.6x of one thread at 2+).
3. Across processes: a reader's p50/p99 while another process ingests batches into the same lake, against
   the same reader on a quiet store.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path

HEAVY = "SELECT count(DISTINCT x) AS d, median(y) AS m FROM big"
POINT = "SELECT * FROM points WHERE id = ?"
MAKE_BIG = "CREATE TABLE big AS SELECT range AS id, (range * 7919) % 1000003 AS x, range * 0.5 AS y FROM range({rows})"
MAKE_POINTS = "CREATE TABLE points AS SELECT range AS id, 'name ' || range AS name FROM range(10000)"
INGEST = textwrap.dedent(
    """
    import sys, time, hpdp
    home, engine, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    hp = hpdp.open(home=home, db_engine=engine)
    print("ready", flush=True)
    sys.stdin.readline()
    deadline, n = time.monotonic() + seconds, 0
    while time.monotonic() < deadline:
        hp.write("ingested", {"batch": [n] * 10_000, "v": list(range(10_000))})
        n += 1
    print(n, flush=True)
    """
)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def latencies(query: Callable[[int], object], seconds: float) -> list[float]:
    out, i, deadline = [], 0, time.monotonic() + seconds
    while time.monotonic() < deadline:
        start = time.perf_counter()
        query(i)
        out.append(time.perf_counter() - start)
        i += 1
    return out


def point(hp: object) -> Callable[[int], object]:
    return lambda i: hp.sql(POINT, [i % 10_000], format="arrow")  # type: ignore[attr-defined]


def under_load(hp: object, seconds: float) -> tuple[list[float], int]:
    """Point-query latencies while one thread runs the heavy query in a loop in its own session."""
    stop, heavy_runs = threading.Event(), [0]

    def heavy() -> None:
        with hp.session() as session:  # type: ignore[attr-defined]
            while not stop.is_set():
                session.sql(HEAVY)
                heavy_runs[0] += 1

    worker = threading.Thread(target=heavy)
    worker.start()
    time.sleep(0.3)
    try:
        return latencies(point(hp), seconds), heavy_runs[0]
    finally:
        stop.set()
        worker.join()


def raw_point(home: str) -> Callable[[], Callable[[int], object]]:
    """Raw DuckDB on the same lake: one connection, a cursor per reader thread, the same point query."""
    import duckdb

    from hpdp.infrastructure.settings import load_settings

    settings = load_settings(home=home)
    con = duckdb.connect(
        ":memory:",
        config={"extension_directory": str(settings.resolved_extension_dir()), "autoinstall_known_extensions": False},
    )
    con.execute("LOAD ducklake; LOAD sqlite")
    lake = Path(home) / "lake"
    con.execute(f"ATTACH 'ducklake:sqlite:{lake / 'catalog.sqlite'}' AS raw (DATA_PATH '{lake / 'data'}/')")

    def reader() -> Callable[[int], object]:
        cur = con.cursor()
        cur.execute("USE raw")
        return lambda i: cur.execute(POINT, [i % 10_000]).to_arrow_table()

    return reader


def throughput(make_query: Callable[[], Callable[[int], object]], threads: int, seconds: float) -> float:
    counts = [0] * threads
    barrier = threading.Barrier(threads + 1)
    stop = threading.Event()

    def work(k: int) -> None:
        query = make_query()
        barrier.wait()
        while not stop.is_set():
            query(counts[k])
            counts[k] += 1

    pool = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    for t in pool:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for t in pool:
        t.join()
    return sum(counts) / (time.perf_counter() - start)


def while_ingesting(hp: object, home: str, engine: str, seconds: float) -> tuple[list[float], str]:
    writer = subprocess.Popen(
        [sys.executable, "-c", INGEST, home, engine, str(seconds + 0.5)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout is not None and writer.stdin is not None
    writer.stdout.readline()
    writer.stdin.write("go\n")
    writer.stdin.flush()
    time.sleep(0.3)
    found = latencies(point(hp), seconds)
    out, _ = writer.communicate(timeout=120)
    return found, out.strip()


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.2f} ms"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3_000_000)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--engine", default="ducklake")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds of the throughput measurement")
    args = parser.parse_args(argv)
    import hpdp

    home = tempfile.mkdtemp(prefix="hpdp-bench-concurrency-")
    hp = hpdp.open(home=home, db_engine=args.engine)
    with hp.session() as session:
        session.sql(MAKE_BIG.format(rows=args.rows))
        session.sql(MAKE_POINTS)
    print(
        f"store: {args.engine} in {home}; big: {args.rows:,} rows; python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs; {args.seconds:g} s per measurement\n"
    )
    latencies(point(hp), 0.5)  # warm-up

    quiet = latencies(point(hp), args.seconds)
    loaded, heavy_runs = under_load(hp, args.seconds)
    ratio = statistics.median(loaded) / statistics.median(quiet)
    print("1. point query latency, quiet vs. a heavy query looping in another thread")
    print(f"   quiet        p50 {ms(statistics.median(quiet))}  p99 {ms(percentile(quiet, 0.99))}  n={len(quiet)}")
    print(
        f"   under load   p50 {ms(statistics.median(loaded))}  p99 {ms(percentile(loaded, 0.99))}  n={len(loaded)}"
        f"  (heavy query ran {heavy_runs}x)"
    )
    print(f"   p50 under load / quiet = {ratio:.2f}x (target <= 3x)\n")

    print(f"2. point queries per second by reader threads (median of {args.rounds} interleaved rounds)")
    contenders = {"hpdp": lambda: point(hp)}
    if args.engine == "ducklake":
        contenders["raw duckdb"] = raw_point(home)
    counts = (1, 2, 4, 8)
    samples: dict[tuple[str, int], list[float]] = {}
    for _ in range(args.rounds):
        for name, make in contenders.items():
            for n in counts:
                samples.setdefault((name, n), []).append(throughput(make, n, args.seconds / args.rounds))
    for name in contenders:
        rates = {n: statistics.median(samples[(name, n)]) for n in counts}
        cells = "  ".join(f"{n}: {rates[n]:5.0f} q/s {rates[n] / rates[1]:4.2f}x" for n in counts)
        best = min(rates[n] / rates[1] for n in counts[1:])
        print(f"   {name:<11} {cells}  lowest at 2+ = {best:.2f}x")
    print("   target: hpdp >= 1.6x of one thread at 2+ threads\n")

    if args.engine == "ducklake":
        quiet = latencies(point(hp), args.seconds)
        busy, batches = while_ingesting(hp, home, args.engine, args.seconds)
        print("3. reader latency while another process ingests into the same lake")
        print(f"   quiet      p50 {ms(statistics.median(quiet))}  p99 {ms(percentile(quiet, 0.99))}")
        print(
            f"   ingesting  p50 {ms(statistics.median(busy))}  p99 {ms(percentile(busy, 0.99))}"
            f"  ({batches} batches of 10,000 rows committed)"
        )
        print(
            f"   p50 ratio = {statistics.median(busy) / statistics.median(quiet):.2f}x, "
            f"p99 ratio = {percentile(busy, 0.99) / percentile(quiet, 0.99):.2f}x"
        )
    hp.close()


if __name__ == "__main__":
    main()
