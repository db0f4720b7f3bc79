"""The platform past one machine, side by side in one run (needs root: hosts are network namespaces).

    .venv/bin/python benchmarks/scale.py [--grid 12] [--pause 3] [--rounds 2] [--section workers|ingest]

Host A runs PostgreSQL, Redis and an S3 store (moto), the MLflow tracking server (runs in PostgreSQL,
artifacts in the S3 store), the scheduler and `hpdp serve` (`hpdp up --role server,scheduler`); worker hosts run
`hpdp up --role worker`, as in tests/e2e/test_hosts.py. Every run is tracked through that server.

1. workers: the same experiment grid on one worker host, then on two, in alternating rounds. Two notebooks:
   one whose cells wait (`time.sleep`: kernel time that needs no CPU, as a run waiting on an API or a database)
   and one whose cells compute (a pure-Python loop, one core). Prints the grid's wall time and the speed-up.
   This machine has two cores for every host, the shared engines and this script, so the computing grid
   cannot reach 2x here; the waiting grid shows what a second host gives runs that are mostly kernel time.
2. ingest: rows/s into the lake, the same appends (the store write every load commits) on a PostgreSQL
   catalog on host A and on a SQLite catalog, each with the data in a local folder and in the S3 store; and
   raw DuckDB (ATTACH the same kind of lake, INSERT the Arrow batch) beside hpdp's write on the local folder.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.host_servers import Engines, start_engines  # noqa: E402
from tests.hosts import Host, Network, unavailable, wait_until  # noqa: E402
from tests.notebook_factory import write_notebook  # noqa: E402

HPDP = [sys.executable, "-m", "hpdp"]
WORKLOADS = {
    "waits": "import time\ntime.sleep(pause)",
    "computes": "import time\nend = time.process_time() + pause\nwhile time.process_time() < end:\n    sum(range(999))",
}


def env_for(home: Path, shared: dict[str, str], **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HPDP_")}
    env.update(shared, HPDP_HOME=str(home), **extra)
    return env


def specs(root: Path, grid: int, pause: float) -> dict[str, Path]:
    out = {}
    root.mkdir(parents=True, exist_ok=True)
    for name, body in WORKLOADS.items():
        write_notebook(root / f"{name}.ipynb", "x = 0\npause = 1.0\n", body, "print(x)")
        spec = root / f"{name}.yaml"
        spec.write_text(
            f"name: scale_{name}\nnotebook: {name}.ipynb\ngrid:\n  x: {list(range(grid))}\n"
            f"parameters:\n  pause: {pause}\n"
        )
        out[name] = spec
    return out


def wait_up(log: Path) -> None:
    def up() -> bool:
        text = log.read_text(errors="replace") if log.exists() else ""
        if "Error" in text:
            raise RuntimeError(text[-2000:])
        return "hpdp is up" in text

    wait_until(up, f"hpdp up ({log.name})", 240, 0.5)


def start_workers(hosts: list[Host], tmp: Path, shared: dict[str, str], tag: str) -> None:
    for host in hosts:
        log = tmp / f"up-{host.hostname}-{tag}.log"
        env = env_for(tmp / f"home-{host.hostname}", shared, HPDP_UP_WORKERS="1", HPDP_SCHEDULER_POOL="1")
        host.start([*HPDP, "up", "--role", "worker"], log, env)
        wait_up(log)


def grid_wall(server: Host, spec: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = server.run([*HPDP, "experiment", "run", str(spec), "--timeout", "1800"], env, timeout=1900)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"the grid failed: {done.stdout[-2000:]} {done.stderr[-2000:]}")
    return wall


def workers(net: Network, engines: Engines, tmp: Path, grid: int, pause: float, rounds: int) -> None:
    a, b, c = net["hosta"], net["hostb"], net["hostc"]
    shared = {
        **engines.settings(),
        "HPDP_MLFLOW_TRACKING_URI": f"http://{a.address}:5000",
        "HPDP_MLFLOW_USER": "hpdp",
        "HPDP_MLFLOW_PASSWORD": secrets.token_urlsafe(16),
    }
    server = env_for(
        tmp / "home-a",
        shared,
        HPDP_MLFLOW_HOST=a.address,
        HPDP_MLFLOW_BACKEND_URL=engines.mlflow_url,
        HPDP_MLFLOW_ARTIFACTS=f"s3://{engines.bucket}/mlflow",
    )
    a.start([*HPDP, "up", "--role", "server,scheduler", "--no-demo"], tmp / "up-a.log", server)
    wait_up(tmp / "up-a.log")
    walls: dict[tuple[str, int], list[float]] = {}
    plans = specs(tmp / "project", grid, pause)
    for round_ in range(rounds):
        order = [1, 2] if round_ % 2 == 0 else [2, 1]
        for hosts in order:
            chosen = [b, c][:hosts]
            start_workers(chosen, tmp, shared, f"{round_}-{hosts}")
            for name, spec in plans.items():
                wall = grid_wall(a, spec, server)
                walls.setdefault((name, hosts), []).append(wall)
                print(
                    f"  round {round_ + 1}: {name:<8} grid of {grid} on {hosts} worker host(s): {wall:6.1f} s",
                    flush=True,
                )
            for host in chosen:
                host.stop_all()
    print(f"\nGrid of {grid} runs, {pause:g} s of kernel time each (median of {rounds} rounds):")
    for name in WORKLOADS:
        one, two = statistics.median(walls[(name, 1)]), statistics.median(walls[(name, 2)])
        print(f"  {name:<8} 1 worker host {one:6.1f} s   2 worker hosts {two:6.1f} s   speed-up {one / two:4.2f}x")


def ingest(engines: Engines, tmp: Path) -> None:
    import pyarrow as pa

    import hpdp

    lakes = {
        "PostgreSQL catalog": {"db_url": engines.pg_url},
        "SQLite catalog": {},
    }
    data = {"local folder": None, "S3 store": f"s3://{engines.bucket}"}
    s3 = {
        "s3_endpoint": engines.s3.endpoint,
        "s3_url_style": "path",
        "s3_use_ssl": False,
        "s3_key_id": engines.s3.key_id,
        "s3_secret": engines.s3.secret,
    }
    print("\nIngest into the lake: appends, each one commit (rows/s, median of 3 passes):")
    results: dict[tuple[str, str, int], float] = {}
    for batch, count in ((100_000, 10), (1_000, 40)):
        table = pa.table({"id": pa.array(range(batch)), "v": pa.array([float(i) for i in range(batch)])})
        for where, path in data.items():
            for catalog, options in lakes.items():
                passes = []
                for n in range(3):
                    tag = f"{catalog[:2]}-{where[:2]}-{batch}-{n}".replace(" ", "")
                    lake_path = f"{path}/{tag}" if path else str(tmp / "data" / tag)
                    db = dict(options)
                    if not options:
                        db["db_url"] = f"sqlite:///{tmp / 'catalogs' / tag / 'catalog.sqlite'}"
                        (tmp / "catalogs" / tag).mkdir(parents=True)
                    else:
                        db["db_url"] = _fresh_database(engines.pg_url, tag)
                    hp = hpdp.open(
                        home=tmp / "ingest" / tag, db_engine="ducklake", lake_data_path=lake_path, **db, **s3
                    )
                    try:
                        hp.write("rows", table.slice(0, 1))
                        start = time.perf_counter()
                        for _ in range(count):
                            hp.write("rows", table)
                        passes.append(batch * count / (time.perf_counter() - start))
                    finally:
                        hp.close()
                rate = results[(catalog, where, batch)] = statistics.median(passes)
                print(
                    f"  {batch:>7,}-row appends x{count:<3} {where:<12} {catalog:<18} {rate:>12,.0f} rows/s", flush=True
                )
        for catalog in lakes:
            raw = statistics.median(_raw_appends(engines, tmp, catalog, table, count, n) for n in range(3))
            hpdp_rate = results[(catalog, "local folder", batch)]
            print(
                f"  {batch:>7,}-row appends x{count:<3} local folder raw DuckDB, {catalog:<18} {raw:>12,.0f} rows/s"
                f"  (hpdp/raw {hpdp_rate / raw:4.2f})",
                flush=True,
            )
    print("\nPostgreSQL catalog against SQLite catalog (rows/s ratio):")
    for batch in (100_000, 1_000):
        for where in data:
            pg, lite = results[("PostgreSQL catalog", where, batch)], results[("SQLite catalog", where, batch)]
            print(f"  {batch:>7,}-row appends, {where:<12} {pg / lite:5.2f}x")


def _raw_appends(engines: Engines, tmp: Path, catalog: str, table: object, count: int, n: int) -> float:
    """The same appends by hand: one DuckDB connection, the lake attached, one INSERT per batch."""
    import duckdb

    from hpdp.adapters.stores.extensions import load
    from hpdp.adapters.stores.postgres import libpq_dsn
    from hpdp.infrastructure.settings import Settings

    tag = f"raw-{catalog[:2]}-{len(table)}-{n}"  # type: ignore[arg-type]
    folder = tmp / "raw" / tag
    folder.mkdir(parents=True)
    extensions = Settings().resolved_extension_dir()
    con = duckdb.connect(config={"extension_directory": str(extensions), "autoinstall_known_extensions": False})
    try:
        for name in ("ducklake", "sqlite", "postgres"):
            load(con, name, extensions)
        if catalog.startswith("PostgreSQL"):
            where = "postgres:" + libpq_dsn(_fresh_database(engines.pg_url, tag))
        else:
            where = f"sqlite:{folder / 'catalog.sqlite'}"
        con.register("arrow_batch", table)
        con.execute(f"ATTACH 'ducklake:{where}' AS lake (DATA_PATH '{folder / 'data'}')")
        con.execute("CREATE TABLE lake.rows AS SELECT * FROM arrow_batch LIMIT 1")
        start = time.perf_counter()
        for _ in range(count):
            con.execute("INSERT INTO lake.rows SELECT * FROM arrow_batch")
        return len(table) * count / (time.perf_counter() - start)  # type: ignore[arg-type]
    finally:
        con.close()


def _fresh_database(url: str, name: str) -> str:
    import psycopg

    server, _, _ = url.rpartition("/")
    database = "ingest_" + name.replace("-", "_").lower()
    with psycopg.connect(f"{server}/postgres", autocommit=True) as con:
        con.execute(f'CREATE DATABASE "{database}"')
    return f"{server}/{database}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", type=int, default=12)
    parser.add_argument("--pause", type=float, default=3.0, help="kernel seconds per run")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--section", choices=("workers", "ingest"))
    args = parser.parse_args()
    reason = unavailable()
    if reason:
        sys.exit(f"benchmarks/scale.py cannot make hosts here: {reason}.")
    with tempfile.TemporaryDirectory(prefix="hpdp-scale-") as folder:
        tmp = Path(folder)
        net = Network(["hosta", "hostb", "hostc"])
        try:
            (tmp / "logs").mkdir()
            engines = start_engines(net["hosta"], f"10.231.{net.subnet}.0/24", tmp / "logs")
            try:
                if args.section in (None, "workers"):
                    workers(net, engines, tmp, args.grid, args.pause, args.rounds)
                if args.section in (None, "ingest"):
                    ingest(engines, tmp)
            finally:
                for host in net.hosts.values():
                    host.stop_all()
                engines.stop()
        finally:
            net.close()


if __name__ == "__main__":
    main()
