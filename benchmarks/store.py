"""Write then read back N rows through each store adapter and through raw DuckDB, in one run; print ratios.

    python benchmarks/store.py [--rows 5000000] [--engines ducklake,duckdb,sqlite,postgres,memory]

The postgres engine needs HPDP_TEST_PG_URL (`make bench` starts a server). Also times `hpdp --help`, and
`hpdp tables` on a DuckLake of a few tables side by side with a bare Python process that does the same work
(imports duckdb, loads the ducklake and sqlite extensions from the store's extension folder, attaches the
lake and prints each table's row count), interleaved run by run.

    python benchmarks/store.py --tables-only [--processes 9]   # only the `hpdp tables` figure
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


# The bare process `hpdp tables` is measured against: same extensions, same lake, same counts, plain output.
RAW_TABLES = """
import sys

import duckdb

home, extension_dir = sys.argv[1], sys.argv[2]
con = duckdb.connect(":memory:", config={"extension_directory": extension_dir, "autoinstall_known_extensions": False})
con.execute("LOAD ducklake")
con.execute("LOAD sqlite")
con.execute(f"ATTACH 'ducklake:sqlite:{home}/lake/catalog.sqlite' AS store (DATA_PATH '{home}/lake/data/')")
names = [r[0] for r in con.execute(
    "SELECT table_name FROM duckdb_tables() WHERE database_name = 'store' AND schema_name = 'main' "
    "AND NOT starts_with(table_name, '_hpdp_') ORDER BY 1"
).fetchall()]
union = " UNION ALL ".join(f'SELECT {i}, count(*) FROM store."{n}"' for i, n in enumerate(names))
counts = dict(con.execute(union).fetchall())
for i, name in enumerate(names):
    print(f"{name}  {counts[i]:,}")
"""


def lake_with_tables(home: Path) -> None:
    """A DuckLake of five tables of different sizes (the shape of nycflights13) in HPDP_HOME."""
    import hpdp

    sizes = {"airlines": 16, "airports": 1_458, "planes": 3_322, "weather": 26_115, "flights": 336_776}
    with hpdp.open(home=str(home), db_engine="ducklake") as hp:
        for name, rows in sizes.items():
            hp.write(name, make_data(rows), mode="replace")


def tables_side_by_side(folder: Path, processes: int) -> None:
    from hpdp.infrastructure.settings import load_settings

    env = {k: v for k, v in os.environ.items() if not k.startswith("HPDP_")}
    home = folder / "tables"
    env["HPDP_HOME"] = str(home)
    # An installed package has its bytecode written at install time, as duckdb's has: let the first,
    # untimed process write hpdp's (an editable checkout has none, and a setting may forbid writing it).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    lake_with_tables(home)
    extension_dir = str(load_settings(home=str(home)).resolved_extension_dir())
    raw = [sys.executable, "-c", RAW_TABLES, str(home), extension_dir]
    ours = [sys.executable, "-m", "hpdp", "tables"]
    listed = subprocess.run(ours, env=env, capture_output=True, text=True, check=True).stdout
    bare = subprocess.run(raw, env=env, capture_output=True, text=True, check=True).stdout
    assert [line.split()[0] for line in bare.splitlines()] == [
        cells[1] for cells in (line.split() for line in listed.splitlines()) if len(cells) > 3 and cells[1] != "table"
    ], (listed, bare)
    times: dict[str, list[float]] = {"raw": [], "hpdp": []}
    for _ in range(processes):  # interleaved: the machine's other load falls on both alike
        for key, argv in (("raw", raw), ("hpdp", ours)):
            start = time.perf_counter()
            subprocess.run(argv, env=env, capture_output=True, check=True)
            times[key].append(time.perf_counter() - start)
    raw_s, ours_s = statistics.median(times["raw"]), statistics.median(times["hpdp"])
    print(f"\n`hpdp tables` on a DuckLake of 5 tables, medians of {processes} interleaved processes:")
    print(f"  bare Python process (duckdb, 2 extensions, attach, counts) {raw_s:6.2f} s")
    print(f"  `hpdp tables`                                             {ours_s:6.2f} s")
    print(f"  ratio hpdp / bare                                         {ours_s / raw_s:6.2f}   (target <= 1.5)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--repeat", type=int, default=2, help="best of N for each measurement")
    parser.add_argument("--processes", type=int, default=9, help="processes of each kind for `hpdp tables`")
    parser.add_argument("--tables-only", action="store_true", help="only `hpdp tables` against a bare process")
    args = parser.parse_args()
    if args.tables_only:
        with tempfile.TemporaryDirectory(prefix="hpdp-bench-") as tmp:
            tables_side_by_side(Path(tmp), args.processes)
        return
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
        tables_side_by_side(folder, args.processes)


if __name__ == "__main__":
    main()
