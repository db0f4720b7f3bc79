"""A table served to a client as a Polars DataFrame, by each contender in one run; prints rows/s and ratios.

    python benchmarks/serve.py [--rows 5000000] [--rounds 3]

Every server runs in its own process over the same DuckLake; the client is this process. Contenders:
  raw flight   a minimal pyarrow.flight server: DuckDB with the lake attached, `SELECT * FROM big`
               handed to Flight as DuckDB's record-batch reader
  hpdp flight  `hpdp flight`, read with `hpdp.connect(..., transfer="flight").table("big")`
  REST arrow   `hpdp serve`, GET /api/v1/tables/big as an Arrow IPC stream (`transfer="json"` asks for it)
  REST JSON    `hpdp serve`, GET /api/v1/tables/big as JSON pages of the row limit (100,000 rows) each
Targets: hpdp flight >= 0.9x raw flight, and >= 20x REST JSON. Rounds are interleaved (the machine's other
load falls on all alike); medians are printed. Another contender is one function added to CONTENDERS: it
starts its server over `Lake` and yields a function that fetches the table as Polars.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl
import pyarrow.flight as fl

TABLE = "big"


@dataclass(frozen=True)
class Lake:
    home: Path
    extension_dir: str
    rows: int

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("HPDP_")}
        env["HPDP_HOME"] = str(self.home)
        return env


Fetch = Callable[[], pl.DataFrame]
Contender = Callable[[Lake], AbstractContextManager[Fetch]]

# The raw server: no hpdp, the same lake, the same query; the port goes to stdout.
RAW_SERVER = """
import sys

import duckdb
import pyarrow.flight as fl

home, extension_dir = sys.argv[1], sys.argv[2]
con = duckdb.connect(":memory:", config={"extension_directory": extension_dir, "autoinstall_known_extensions": False})
con.execute("LOAD ducklake")
con.execute("LOAD sqlite")
con.execute(f"ATTACH 'ducklake:sqlite:{home}/lake/catalog.sqlite' AS store (DATA_PATH '{home}/lake/data/', READ_ONLY)")


class Raw(fl.FlightServerBase):
    def do_get(self, context, ticket):
        cur = con.cursor()
        reader = cur.execute(f"SELECT * FROM store.{ticket.ticket.decode()}").fetch_record_batch()
        return fl.RecordBatchStream(reader)


server = Raw("grpc+tcp://127.0.0.1:0")
print(f"grpc://127.0.0.1:{server.port}", flush=True)
server.serve()
"""


@contextmanager
def server_process(argv: list[str], env: dict[str, str], pattern: str = r"grpc://127\.0\.0\.1:(\d+)") -> Iterator[int]:
    """A server process that prints its port (the first match of `pattern` in its output); stopped at the end."""
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        seen = ""
        while proc.stdout is not None and not (found := re.search(pattern, seen)):
            line = proc.stdout.readline()
            if not line:
                raise RuntimeError(f"server did not start: {seen}{proc.stderr.read() if proc.stderr else ''}")
            seen += line
        yield int(found[1])
    finally:
        proc.terminate()
        proc.communicate(timeout=60)


@contextmanager
def raw_flight(lake: Lake) -> Iterator[Fetch]:
    argv = [sys.executable, "-c", RAW_SERVER, str(lake.home), lake.extension_dir]
    with server_process(argv, lake.env()) as port, fl.connect(f"grpc+tcp://127.0.0.1:{port}") as client:
        yield lambda: pl.from_arrow(client.do_get(fl.Ticket(TABLE.encode())).read_all())


@contextmanager
def hpdp_flight(lake: Lake) -> Iterator[Fetch]:
    import hpdp

    argv = [sys.executable, "-m", "hpdp", "flight", "--port", "0"]
    with (
        server_process(argv, lake.env()) as port,
        hpdp.connect("http://unused", transfer="flight", flight_url=f"grpc+tcp://127.0.0.1:{port}") as remote,
    ):
        yield lambda: remote.table(TABLE, format="polars")


@contextmanager
def rest_server(lake: Lake) -> Iterator[str]:
    argv = [sys.executable, "-m", "hpdp", "serve", "--port", "0", "--no-flight"]
    with server_process(argv, lake.env(), r"REST API\s+http://127\.0\.0\.1:(\d+)") as port:
        yield f"http://127.0.0.1:{port}"


@contextmanager
def rest_arrow(lake: Lake) -> Iterator[Fetch]:
    import hpdp

    with rest_server(lake) as url, hpdp.connect(url, transfer="json") as remote:
        yield lambda: remote.table(TABLE, format="polars")


@contextmanager
def rest_json(lake: Lake) -> Iterator[Fetch]:
    import httpx

    def fetch() -> pl.DataFrame:
        frames, offset = [], 0
        while True:
            page = client.get(f"/api/v1/tables/{TABLE}", params={"limit": 100_000, "offset": offset}).json()
            if page["rows"]:
                frames.append(pl.DataFrame(page["rows"], schema=page["columns"], orient="row"))
            offset += len(page["rows"])
            if offset >= page["total"] or not page["rows"]:
                return pl.concat(frames)

    with rest_server(lake) as url, httpx.Client(base_url=url, timeout=600) as client:
        yield fetch


# name -> contender; the first is the baseline of the ratios.
CONTENDERS: dict[str, Contender] = {
    "raw flight": raw_flight,
    "hpdp flight": hpdp_flight,
    "REST arrow": rest_arrow,
    "REST JSON": rest_json,
}


def make_lake(home: Path, rows: int) -> Lake:
    import hpdp
    from hpdp.infrastructure.settings import load_settings

    data = duckdb.sql(
        f"""SELECT i AS id, 'cat_' || (i % 1000) AS category, i * 0.5 AS value,
                   TIMESTAMP '2024-01-01' + to_seconds(i) AS ts, i % 7 = 0 AS flag
            FROM range({rows}) t(i)"""
    ).to_arrow_table()
    with hpdp.open(home=str(home), db_engine="ducklake") as hp:
        hp.write(TABLE, data, mode="replace")
    return Lake(home, str(load_settings(home=str(home)).resolved_extension_dir()), rows)


def measure(lake: Lake, names: list[str], rounds: int) -> dict[str, float]:
    """Median seconds per full read, rounds interleaved across contenders (servers started once each)."""
    times: dict[str, list[float]] = {name: [] for name in names}
    with ExitStack() as stack:
        fetches = {name: stack.enter_context(CONTENDERS[name](lake)) for name in names}
        for name, fetch in fetches.items():  # warm-up: caches, connections, first-query work
            frame = fetch()
            assert frame.height == lake.rows, (name, frame.height)
        for _ in range(rounds):
            for name, fetch in fetches.items():
                start = time.perf_counter()
                frame = fetch()
                times[name].append(time.perf_counter() - start)
                assert frame.height == lake.rows
                del frame
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", default=",".join(CONTENDERS), help="contenders, comma-separated")
    args = parser.parse_args()
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    with tempfile.TemporaryDirectory() as folder:
        lake = make_lake(Path(folder) / "ws", args.rows)
        print(f"{args.rows:,} rows x 5 columns to a client as Polars; medians of {args.rounds} interleaved rounds")
        seconds = measure(lake, names, args.rounds)
    base = seconds[names[0]]
    print(f"{'contender':<14}{'seconds':>10}{'rows/s':>14}{'x ' + names[0]:>18}")
    for name in names:
        s = seconds[name]
        print(f"{name:<14}{s:>10.3f}{args.rows / s:>14,.0f}{base / s:>18.2f}")
    if "hpdp flight" in seconds and "raw flight" in seconds:
        ratio = seconds["raw flight"] / seconds["hpdp flight"]
        print(f"\nhpdp flight / raw flight throughput: {ratio:.2f}x (target >= 0.9)")
    if "hpdp flight" in seconds and "REST JSON" in seconds:
        ratio = seconds["REST JSON"] / seconds["hpdp flight"]
        print(f"hpdp flight / REST JSON throughput: {ratio:.1f}x (target >= 20)")


if __name__ == "__main__":
    main()
