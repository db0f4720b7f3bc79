"""Write then read back N rows through each store adapter and through raw DuckDB, in one run; print ratios.

    python benchmarks/store.py [--rows 5000000] [--engines ducklake,duckdb,sqlite,postgres,memory]

The postgres engine needs HPDP_TEST_PG_URL (`make bench` starts a server). Also times `hpdp --help` and
`hpdp tables` as whole processes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pyarrow as pa

ENGINES = ("ducklake", "duckdb", "sqlite", "postgres", "memory")
READS = 3  # each write is read back this many times, best kept, the same for raw DuckDB and every adapter


def make_data(rows: int) -> pa.Table:
    return duckdb.sql(
        f"""SELECT i AS id, 'cat_' || (i % 1000) AS category, i * 0.5 AS value,
                   TIMESTAMP '2024-01-01' + to_seconds(i) AS ts, i % 7 = 0 AS flag
            FROM range({rows}) t(i)"""
    ).to_arrow_table()


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def raw_duckdb(data: pa.Table, folder: Path) -> tuple[float, float]:
    con = duckdb.connect(str(folder / "raw.duckdb"))
    con.register("incoming", data)
    write = timed(lambda: con.execute("CREATE OR REPLACE TABLE t AS SELECT * FROM incoming"))
    read_back: list[pa.Table] = []
    read = min(timed(lambda: read_back.append(con.sql("SELECT * FROM t").to_arrow_table())) for _ in range(READS))
    assert read_back[0].num_rows == data.num_rows
    con.close()
    return write, read


def through_store(engine: str, data: pa.Table, folder: Path) -> tuple[float, float]:
    import hpdp

    url = os.environ.get("HPDP_TEST_PG_URL") if engine == "postgres" else None
    if engine == "postgres":
        import psycopg

        with psycopg.connect(url, autocommit=True) as pg:
            pg.execute("DROP TABLE IF EXISTS t")
    with hpdp.open(home=str(folder / engine), db_engine=engine, db_url=url) as hp:
        write = timed(lambda: hp.write("t", data, mode="replace"))
        read_back: list[pa.Table] = []
        read = min(timed(lambda: read_back.append(hp.table("t", format="arrow"))) for _ in range(READS))
        assert read_back[0].num_rows == data.num_rows
        hp.drop("t")
    return write, read


def best(run, repeat: int) -> tuple[float, float]:
    results = [run() for _ in range(max(1, repeat))]
    return min(w for w, _ in results), min(r for _, r in results)


def process_time(args: list[str], env: dict[str, str], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "hpdp", *args], env=env, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--repeat", type=int, default=2, help="best of N for each measurement")
    args = parser.parse_args()
    engines = [e for e in args.engines.split(",") if e]
    if "postgres" in engines and not os.environ.get("HPDP_TEST_PG_URL"):
        print("postgres: skipped (set HPDP_TEST_PG_URL or run `make bench`)")
        engines.remove("postgres")

    data = make_data(args.rows)
    print(f"{args.rows:,} rows x {data.num_columns} columns ({data.nbytes / 1e6:.0f} MB in Arrow)\n")
    with tempfile.TemporaryDirectory(prefix="hpdp-bench-") as tmp:
        folder = Path(tmp)
        raw_duckdb(data, folder)  # warm-up: page in the data and the allocator once
        base_w, base_r = best(lambda: raw_duckdb(data, folder), args.repeat)
        print("times in seconds (best of --repeat); x = adapter / raw DuckDB, lower is faster")
        print(f"{'engine':<12}{'write s':>10}{'read s':>10}{'write x':>10}{'read x':>10}")
        print(f"{'raw duckdb':<12}{base_w:>10.2f}{base_r:>10.2f}{1:>10.2f}{1:>10.2f}")
        for engine in engines:
            w, r = best(lambda e=engine: through_store(e, data, folder), args.repeat)
            print(f"{engine:<12}{w:>10.2f}{r:>10.2f}{w / base_w:>10.2f}{r / base_r:>10.2f}", flush=True)

        env = {k: v for k, v in os.environ.items() if not k.startswith("HPDP_")}
        env["HPDP_HOME"] = str(folder / "cli")
        subprocess.run([sys.executable, "-m", "hpdp", "tables"], env=env, capture_output=True, check=True)
        print(f"\n`hpdp --help`: {process_time(['--help'], env):.2f} s (median of 5; target < 0.5 s)")
        print(f"`hpdp tables`: {process_time(['tables'], env):.2f} s (median of 5, default DuckLake store)")


if __name__ == "__main__":
    main()
