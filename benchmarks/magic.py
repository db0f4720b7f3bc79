"""%sql against raw DuckDB, side by side, each cell run through one IPython shell.

    .venv/bin/python benchmarks/magic.py [--rows 1000000] [--repeat 15]

Raw is `con.sql(q).pl()` on the store's connection (opened once); the magic runs the same query on the
same connection, so the ratio is the magic's own cost. JupySQL (with autopolars) joins when installed.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import os
import statistics
import sys
import tempfile
import time

BIG = "SELECT * FROM bench_events"
SMALL = "SELECT k % 20 AS g, count(*) AS n, avg(x) AS avg_x FROM bench_small GROUP BY g ORDER BY g"
MAKE = """
CREATE OR REPLACE TABLE bench_events AS
SELECT range AS id, range % 97 AS k, range * 0.5 AS x, 'item ' || range AS label,
       DATE '2024-01-01' + (range % 365)::INT AS day, range % 2 = 0 AS flag
FROM range({rows});
CREATE OR REPLACE TABLE bench_small AS SELECT * FROM bench_events LIMIT 10000
"""


def timed(shell: object, cell: str) -> float:
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        start = time.perf_counter()
        result = shell.run_cell(cell, store_history=False)  # type: ignore[attr-defined]
        elapsed = time.perf_counter() - start
    if not result.success:
        raise SystemExit(f"cell failed: {cell!r}\n{sink.getvalue()[-2000:]}")
    return elapsed


def measure(shell: object, cells: dict[str, str], repeat: int) -> dict[str, tuple[float, float]]:
    """(median, best) seconds per cell; the variants alternate so that drift hits them alike."""
    for cell in cells.values():
        timed(shell, cell)  # warm-up
    runs: dict[str, list[float]] = {name: [] for name in cells}
    for _ in range(repeat):
        for name, cell in cells.items():
            runs[name].append(timed(shell, cell))
    return {name: (statistics.median(values), min(values)) for name, values in runs.items()}


def jupysql_cells(shell: object, query: str) -> dict[str, str]:
    if importlib.util.find_spec("sql") is None:
        return {}
    shell.run_cell("%load_ext sql\n%config SqlMagic.autopolars = True\n%config SqlMagic.displaylimit = 10")  # type: ignore[attr-defined]
    shell.run_cell("%sql jcon")  # type: ignore[attr-defined]
    return {"jupysql": f"r = %sql {query}"}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--small-repeat", type=int, default=200)
    parser.add_argument("--engine", default="ducklake", help="store engine (HPDP_DB_ENGINE)")
    args = parser.parse_args(argv)

    home = tempfile.mkdtemp(prefix="hpdp-bench-magic-")
    os.environ.update(HPDP_HOME=home, HPDP_DB_ENGINE=args.engine)
    from IPython.core.interactiveshell import InteractiveShell

    from hpdp.presentation.magic.magic import load

    shell = InteractiveShell.instance()
    magic = load(shell)
    store = magic.workbench.store
    store.con.execute(MAKE.format(rows=args.rows))
    shell.user_ns.update(con=store.con, jcon=store.con, BIG=BIG, SMALL=SMALL)
    print(f"store: {store.engine} in {home}; {args.rows:,} rows x 6 columns (small table: 10,000 rows)")
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; {args.repeat} (big) / {args.small_repeat} "
        "(small) alternating runs per variant\n"
    )

    cases = [("1M-row result", BIG, args.repeat), ("20-row aggregate", SMALL, args.small_repeat)]
    header = f"{'query':<17} {'variant':<28} {'median':>9} {'vs raw':>7} {'best':>9} {'vs raw':>7} {'overhead':>9}"
    print(header)
    print("-" * len(header))
    verdicts = []
    for title, query, repeat in cases:
        name = "BIG" if query is BIG else "SMALL"
        cells = {
            "raw: r = con.sql(q).pl()": f"r = con.sql({name}).pl()",
            "magic: r = %sql q": f"r = %sql {query}",
            "raw shown: con.sql(q).pl()": f"con.sql({name}).pl()",
            "magic shown: %%sql cell": f"%%sql\n{query}",
        }
        cells.update(jupysql_cells(shell, query))
        result = measure(shell, cells, repeat)
        for variant, (median, best) in result.items():
            base = result["raw shown: con.sql(q).pl()" if "shown" in variant else "raw: r = con.sql(q).pl()"]
            print(
                f"{title:<17} {variant:<28} {median * 1000:>7.2f}ms {median / base[0]:>6.3f}x "
                f"{best * 1000:>7.2f}ms {best / base[1]:>6.3f}x {(median - base[0]) * 1000:>+7.2f}ms"
            )
        if "jupysql" not in result:
            print(f"{title:<17} {'jupysql':<28} not installed, skipped")
        (raw, raw_best), (line, line_best) = result["raw: r = con.sql(q).pl()"], result["magic: r = %sql q"]
        if query is BIG:
            verdicts.append(
                f"1M rows: magic / raw = {line / raw:.3f}x median, {line_best / raw_best:.3f}x best (target <= 1.05x)"
            )
        else:
            verdicts.append(
                f"20-row aggregate: magic - raw = {(line - raw) * 1000:+.2f} ms median, "
                f"{(line_best - raw_best) * 1000:+.2f} ms best (target < 2 ms)"
            )
        print()
    for verdict in verdicts:
        print(verdict)
    magic.close()


if __name__ == "__main__":
    main()
