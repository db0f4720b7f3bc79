"""%sql against raw DuckDB: each contender in its own IPython shell in its own process; runs interleave.

    .venv/bin/python benchmarks/magic.py [--rows 1000000] [--repeat 15] [--small-repeat 300]

One DuckDB file is built, then copied once per contender. Raw opens its copy with `duckdb.connect` and
times `r = con.sql(q).pl()`; hpdp opens the other copy as its store (HPDP_DB_ENGINE=duckdb) and times
`r = %sql q`. Both steps run through `shell.run_cell(..., store_history=True)`; the parent asks the two
processes in turn, so that drift hits both alike, and compares medians.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap

BIG = "SELECT * FROM bench_events"
SMALL = "SELECT k % 20 AS g, count(*) AS n, avg(x) AS avg_x FROM bench_small GROUP BY g ORDER BY g"
MAKE = """
CREATE OR REPLACE TABLE bench_events AS
SELECT range AS id, range % 97 AS k, range * 0.5 AS x, 'item ' || range AS label,
       DATE '2024-01-01' + (range % 365)::INT AS day, range % 2 = 0 AS flag
FROM range({rows});
CREATE OR REPLACE TABLE bench_small AS SELECT * FROM bench_events LIMIT 10000
"""
WORKER = textwrap.dedent(
    """
    import contextlib, io, sys, time
    from IPython.core.interactiveshell import InteractiveShell

    contender, path = sys.argv[1], sys.argv[2]
    queries = {"BIG": sys.argv[3], "SMALL": sys.argv[4]}
    shell = InteractiveShell.instance()
    if contender == "raw":
        import duckdb
        shell.user_ns["con"] = duckdb.connect(path)
        cells = {k: f"r = con.sql({q!r}).pl()" for k, q in queries.items()}
    else:
        import hpdp
        hpdp.load_ipython_extension(shell)
        cells = {k: f"r = %sql {q}" for k, q in queries.items()}
    print("ready", flush=True)
    for line in sys.stdin:
        name = line.strip()
        sink = io.StringIO()
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            start = time.perf_counter()
            result = shell.run_cell(cells[name], store_history=True)
            elapsed = time.perf_counter() - start
        if not result.success:
            print("failed " + sink.getvalue()[-2000:].replace(chr(10), " "), flush=True)
            break
        rows = len(shell.user_ns["r"])
        print(f"{elapsed} {rows}", flush=True)
    """
)


class Contender:
    """One IPython shell in its own process, timing one cell per request."""

    def __init__(self, name: str, path: str, env: dict[str, str]) -> None:
        self.name = name
        self.proc = subprocess.Popen(
            [sys.executable, "-c", WORKER, name, path, BIG, SMALL],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            text=True,
        )
        if self._line() != "ready":
            raise SystemExit(f"{name} did not start")

    def _line(self) -> str:
        assert self.proc.stdout is not None
        return self.proc.stdout.readline().strip()

    def time(self, query: str) -> float:
        assert self.proc.stdin is not None
        self.proc.stdin.write(query + "\n")
        self.proc.stdin.flush()
        answer = self._line()
        if not answer or answer.startswith("failed"):
            raise SystemExit(f"{self.name}: {answer or 'exited'}")
        return float(answer.split()[0])

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--small-repeat", type=int, default=300)
    args = parser.parse_args(argv)

    import duckdb

    folder = tempfile.mkdtemp(prefix="hpdp-bench-magic-")
    source = os.path.join(folder, "bench.duckdb")
    with duckdb.connect(source) as con:
        con.execute(MAKE.format(rows=args.rows))
    raw_path, store_path = os.path.join(folder, "raw.duckdb"), os.path.join(folder, "store.duckdb")
    shutil.copy(source, raw_path)
    shutil.copy(source, store_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HPDP_")}
    hpdp_env = {**env, "HPDP_HOME": folder, "HPDP_DB_ENGINE": "duckdb", "HPDP_DB_URL": f"duckdb:///{store_path}"}
    raw, magic = Contender("raw", raw_path, env), Contender("hpdp", store_path, hpdp_env)
    print(
        f"{args.rows:,} rows x 6 columns (small table: 10,000 rows); python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs; each contender in its own IPython shell and process, runs interleaved\n"
    )
    header = f"{'query':<17} {'contender':<22} {'median':>10} {'best':>10} {'vs raw':>7} {'overhead':>10}"
    print(header)
    print("-" * len(header))
    verdicts = []
    try:
        for title, name, repeat in (
            ("1M-row result", "BIG", args.repeat),
            ("20-row aggregate", "SMALL", args.small_repeat),
        ):
            for contender in (raw, magic):
                contender.time(name)  # warm-up
            times: dict[str, list[float]] = {"raw": [], "hpdp": []}
            for i in range(repeat):
                pair = (raw, magic) if i % 2 == 0 else (magic, raw)
                for contender in pair:
                    times[contender.name].append(contender.time(name))
            base = statistics.median(times["raw"])
            for label, key in (("raw: con.sql(q).pl()", "raw"), ("hpdp: r = %sql q", "hpdp")):
                median = statistics.median(times[key])
                print(
                    f"{title:<17} {label:<22} {median * 1000:>8.3f}ms {min(times[key]) * 1000:>8.3f}ms "
                    f"{median / base:>6.3f}x {(median - base) * 1000:>+8.3f}ms"
                )
            over = statistics.median(times["hpdp"]) - base
            if name == "BIG":
                verdicts.append(
                    f"1M rows: hpdp / raw = {statistics.median(times['hpdp']) / base:.3f}x median (target <= 1.0x)"
                )
            else:
                verdicts.append(f"20-row aggregate: hpdp - raw = {over * 1000:+.3f} ms median (target < 1 ms)")
            print()
    finally:
        raw.close()
        magic.close()
        shutil.rmtree(folder, ignore_errors=True)
    for verdict in verdicts:
        print(verdict)


if __name__ == "__main__":
    main()
