"""Ingest N records from a local paginated REST API, side by side in one run; print rows/s and ratios.

    python benchmarks/ingest.py [--rows 500000] [--page 5000] [--repeat 2]

The API runs in its own process and serves pre-serialised JSON pages (nested fields, next link in the
body, declared total), so the server costs little. Wall time is what a user waits; client CPU time (this
process, all threads) is steadier on a busy machine; both are the best of the interleaved runs. Columns:
  floor        httpx GET + orjson parse of every page, nothing kept: no client can be faster
               (also with Python's cyclic GC paused, as hpdp does while pages arrive)
  pandas       httpx + orjson + pandas DataFrame + DuckDB INSERT (a common hand-written loader)
  hpdp append  `hp.ingest` into DuckLake with the defaults (`parser: auto`: Arrow's C++ JSON reader, text
               kept as text): incremental cursor, loop/total checks, one atomic commit
  hpdp merge   the same with `mode: merge` on the id
  python       hpdp with `parser: python` (orjson, then the records to Arrow in one call)
  prefetch     hpdp python append with `prefetch: true` (the next page downloads while one converts)
  arrow parser hpdp with `parser: arrow` (as auto, and ISO-8601 strings become timestamps)
  dlt          dlt's REST source into DuckDB, when dlt is installed (skipped otherwise)
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import orjson


def records(start: int, count: int) -> list[dict[str, Any]]:
    return [
        {
            "id": i,
            "name": f"customer {i}",
            "updated_at": f"2024-01-{1 + i % 28:02d}T{i % 24:02d}:00:00Z",
            "price": round(i * 0.37, 2),
            "qty": i % 50,
            "active": i % 3 == 0,
            "tags": ["a", f"t{i % 7}"],
            "owner": {
                "name": f"owner {i % 100}",
                "zip": f"{10000 + i % 9000}",
                "geo": {"lat": 48.1, "lon": 11.5},
            },
        }
        for i in range(start, start + count)
    ]


def serve(port: int, rows: int, page: int) -> None:
    """The API process: every page serialised once up front; GET /items?page=N."""
    import uvicorn

    pages = []
    count = (rows + page - 1) // page
    for n in range(1, count + 1):
        nxt = f"http://127.0.0.1:{port}/items?page={n + 1}" if n < count else None
        body = {"data": records((n - 1) * page, min(page, rows - (n - 1) * page)), "next": nxt, "total": rows}
        pages.append(orjson.dumps(body))

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        query = scope.get("query_string", b"").decode()
        n = int(query.split("page=")[1].split("&")[0]) if "page=" in query else 1
        body = pages[n - 1] if scope["path"] == "/items" else b"ok"
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="error", lifespan="off", ws="none", access_log=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("the benchmark API did not start")
        try:
            httpx.get(url + "/health", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise SystemExit("the benchmark API did not answer")


def floor(url: str, gc_paused: bool = False) -> int:
    if gc_paused:
        gc.disable()
    try:
        return _floor(url)
    finally:
        gc.enable()


def _floor(url: str) -> int:
    rows, nxt = 0, f"{url}/items?page=1"
    with httpx.Client() as client:
        while nxt:
            body = orjson.loads(client.get(nxt).content)
            rows += len(body["data"])
            nxt = body["next"]
    return rows


def pandas_duckdb(url: str, folder: Path) -> int:
    import duckdb
    import pandas as pd

    con = duckdb.connect(str(folder / "pandas.duckdb"))
    con.execute("DROP TABLE IF EXISTS items")
    rows, nxt = 0, f"{url}/items?page=1"
    with httpx.Client() as client:
        while nxt:
            body = orjson.loads(client.get(nxt).content)
            frame = pd.DataFrame(body["data"])
            con.register("frame", frame)
            con.execute("CREATE TABLE IF NOT EXISTS items AS SELECT * FROM frame LIMIT 0")
            con.execute("INSERT INTO items SELECT * FROM frame")
            con.unregister("frame")
            rows += len(frame)
            nxt = body["next"]
    con.close()
    return rows


def hpdp_ingest(url: str, folder: Path, mode: str, prefetch: bool = False, parser: str = "auto") -> int:
    import yaml

    import hpdp

    home = folder / f"hpdp-{mode}-{time.monotonic_ns()}"
    home.mkdir()
    source = {
        "kind": "rest",
        "url": f"{url}/items",
        "records": "data",
        "mode": mode,
        "pagination": {"type": "next_link", "path": "next", "total": "total"},
        "incremental": {"field": "updated_at", "lag": "1h"},
        "prefetch": prefetch,
        "parser": parser,
    }
    if mode == "merge":
        source["key"] = "id"
    (home / "sources.yaml").write_text(yaml.safe_dump({"sources": {"items": source}}))
    with hpdp.open(home=str(home)) as hp:
        record = hp.ingest("items")
        assert hp.sql("SELECT count(*) AS n FROM items", format="arrow").column("n")[0].as_py() == record.rows
    return record.rows


def dlt_rest(url: str, folder: Path) -> int:
    import dlt
    from dlt.sources.rest_api import rest_api_source

    source = rest_api_source(
        {
            "client": {"base_url": f"{url}/", "paginator": {"type": "json_link", "next_url_path": "next"}},
            "resources": [{"name": "items", "endpoint": {"path": "items", "data_selector": "data"}}],
        }
    )
    pipeline = dlt.pipeline(
        "bench",
        destination=dlt.destinations.duckdb(str(folder / "dlt.duckdb")),
        pipelines_dir=str(folder / "dlt"),
        dataset_name="bench",
    )
    pipeline.run(source)
    with pipeline.sql_client() as client:
        return int(client.execute_sql("SELECT count(*) FROM items")[0][0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--page", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.rows, args.page)
        return
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, __file__, "--serve", str(port), "--rows", str(args.rows), "--page", str(args.page)]
    server = subprocess.Popen(cmd, stdin=subprocess.DEVNULL)
    try:
        wait_ready(url, server)
        with tempfile.TemporaryDirectory(prefix="hpdp-bench-") as tmp:
            folder = Path(tmp)
            os.environ.pop("HPDP_HOME", None)
            runs = {
                "floor (GET + parse)": lambda: floor(url),
                "floor, GC paused": lambda: floor(url, gc_paused=True),
                "httpx + pandas + DuckDB": lambda: pandas_duckdb(url, folder),
                "hpdp ingest (append)": lambda: hpdp_ingest(url, folder, "append"),
                "hpdp ingest (merge)": lambda: hpdp_ingest(url, folder, "merge"),
                "hpdp append, python": lambda: hpdp_ingest(url, folder, "append", parser="python"),
                "hpdp merge, python": lambda: hpdp_ingest(url, folder, "merge", parser="python"),
                "hpdp python, prefetch": lambda: hpdp_ingest(url, folder, "append", True, "python"),
                "hpdp append, arrow parser": lambda: hpdp_ingest(url, folder, "append", parser="arrow"),
                "hpdp merge, arrow parser": lambda: hpdp_ingest(url, folder, "merge", parser="arrow"),
            }
            if importlib.util.find_spec("dlt") is not None:
                runs["dlt rest_api -> duckdb"] = lambda: dlt_rest(url, folder)
            else:
                print("dlt is not installed: its column is skipped.")
            print(f"{args.rows:,} records in pages of {args.page:,}; best of {args.repeat} interleaved runs\n")
            wall: dict[str, list[float]] = {name: [] for name in runs}
            cpu: dict[str, list[float]] = {name: [] for name in runs}
            for _ in range(args.repeat):  # interleaved, so every loader sees the same machine load
                for name, fn in runs.items():
                    start, start_cpu = time.perf_counter(), time.process_time()
                    rows = fn()
                    wall[name].append(time.perf_counter() - start)
                    cpu[name].append(time.process_time() - start_cpu)
                    assert rows == args.rows, (name, rows)
            floor_name = "floor (GET + parse)"
            header = f"{'loader':<26}{'wall s':>8}{'rows/s':>11}{'vs floor':>10}"
            print(header + f"{'client CPU s':>14}{'CPU vs floor':>14}")
            for name in runs:
                seconds, used = min(wall[name]), min(cpu[name])
                ratio, cpu_ratio = min(wall[floor_name]) / seconds, min(cpu[floor_name]) / used
                print(f"{name:<26}{seconds:>8.2f}{args.rows / seconds:>11,.0f}{ratio:>9.2f}x", end="")
                print(f"{used:>14.2f}{cpu_ratio:>13.2f}x")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
