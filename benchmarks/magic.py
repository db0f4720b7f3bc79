"""%sql against raw DuckDB: each contender in its own IPython shell in its own process; runs interleave.

    .venv/bin/python benchmarks/magic.py [--rows 1000000] [--repeat 15] [--small-repeat 300]
                                         [--plot-rows 10000000] [--plot-repeat 7]
                                         [--explorer-rows 10000000] [--explorer-repeat 10]

One DuckDB file is built, then copied once per contender. Raw opens its copy with `duckdb.connect` and
times `r = con.sql(q).pl()`; hpdp opens the other copy as its store (HPDP_DB_ENGINE=duckdb) and times
`r = %sql q`. Both steps run through `shell.run_cell(..., store_history=True)`; the parent asks the two
processes in turn, so that drift hits both alike, and compares medians.

Plot section: a 50-bin histogram of one column of a 10M-row table. Raw pulls the column into pandas and calls
numpy.histogram; hpdp runs `p = %sql --plot histogram x=x bins=50 ...`, where DuckDB computes the bins and only
the summary reaches Python. Both report the bytes that reached Python; drawing the plot (Bokeh and PNG) is timed
once on its own, as it is the same work whoever computed the bins.
Then the explorer: a real hpdp kernel (over ZeroMQ, as JupyterLab drives it) on a store of
`--explorer-rows` rows; the time of a `%%sql` cell showing the explorer's first page of the whole table
(from the request to the kernel being idle again), and the kernel's memory (RSS) across 20 page flips
sent as button clicks.
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
import time

BIG = "SELECT * FROM bench_events"
SMALL = "SELECT k % 20 AS g, count(*) AS n, avg(x) AS avg_x FROM bench_small GROUP BY g ORDER BY g"
MAKE = """
CREATE OR REPLACE TABLE bench_events AS
SELECT range AS id, range % 97 AS k, range * 0.5 AS x, 'item ' || range AS label,
       DATE '2024-01-01' + (range % 365)::INT AS day, range % 2 = 0 AS flag
FROM range({rows});
CREATE OR REPLACE TABLE bench_small AS SELECT * FROM bench_events LIMIT 10000;
CREATE OR REPLACE TABLE bench_plot AS SELECT range AS id, sin(range / 1000.0) * 50 + (range % 7) AS x
FROM range({plot_rows})
"""
PLOT_BINS = 50
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
        cells["PLOT"] = (
            "import numpy as np\\n"
            "df = con.sql('SELECT x FROM bench_plot').df()\\n"
            "r, edges = np.histogram(df['x'].to_numpy(), bins=%(bins)d)\\n"
            "moved = int(df['x'].nbytes)"
        )
    else:
        import hpdp
        hpdp.load_ipython_extension(shell)
        cells = {k: f"r = %sql {q}" for k, q in queries.items()}
        cells["PLOT"] = (
            "p = %%sql --plot histogram x=x bins=%(bins)d SELECT x FROM bench_plot\\n"
            "r = p.summary.rows\\n"
            "moved = p.summary.nbytes"
        )
        cells["RENDER"] = "r = p._repr_mimebundle_()[0]\\nmoved = len(r['image/png'])"
    cells = {k: v.replace("%(bins)d", sys.argv[5]).replace("%%", "%") for k, v in cells.items()}
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
        print(f"{elapsed} {rows} {shell.user_ns.get('moved', 0)}", flush=True)
    """
)


class Contender:
    """One IPython shell in its own process, timing one cell per request."""

    def __init__(self, name: str, path: str, env: dict[str, str]) -> None:
        self.name = name
        self.proc = subprocess.Popen(
            [sys.executable, "-c", WORKER, name, path, BIG, SMALL, str(PLOT_BINS)],
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
        return self.run(query)[0]

    def run(self, query: str) -> tuple[float, int]:
        """Seconds the cell took, and the bytes it reports having brought to Python."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(query + "\n")
        self.proc.stdin.flush()
        answer = self._line()
        if not answer or answer.startswith("failed"):
            raise SystemExit(f"{self.name}: {answer or 'exited'}")
        seconds, _, moved = answer.split()
        return float(seconds), int(moved)

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


class KernelDriver:
    """The hpdp kernel, driven cell by cell and click by click as a notebook front end does."""

    def __init__(self, env: dict[str, str], cwd: str) -> None:
        from jupyter_client.kernelspec import KernelSpecManager
        from jupyter_client.manager import KernelManager

        from hpdp.infrastructure import resources

        specs = KernelSpecManager(kernel_dirs=[str(resources.root() / "kernels")])
        self.km = KernelManager(kernel_name="hpdp", kernel_spec_manager=specs)
        self.km.start_kernel(env=env, cwd=cwd, stderr=subprocess.DEVNULL)
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=120)
        self.pid = self.km.provisioner.process.pid  # type: ignore[union-attr]

    def run(self, code: str) -> tuple[float, list[dict]]:
        """Seconds from the request to idle, and the widget messages the cell sent."""
        start = time.perf_counter()
        return self._idle(self.kc.execute(code), start)

    def click(self, comm_id: str) -> float:
        start = time.perf_counter()
        msg = self.kc.session.msg(
            "comm_msg", {"comm_id": comm_id, "data": {"method": "custom", "content": {"event": "click"}}}
        )
        self.kc.shell_channel.send(msg)
        return self._idle(msg["header"]["msg_id"], start)[0]

    def _idle(self, msg_id: str, start: float) -> tuple[float, list[dict]]:
        events: list[dict] = []
        while True:
            msg = self.kc.get_iopub_msg(timeout=600)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                return time.perf_counter() - start, events
            if msg["msg_type"] == "error":
                raise SystemExit("kernel: " + "\n".join(msg["content"]["traceback"])[-2000:])
            if msg["msg_type"].startswith("comm_"):
                events.append(msg["content"])

    def close(self) -> None:
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


def explorer_section(rows: int, repeat: int, env: dict[str, str]) -> list[str]:
    """The explorer's first page of a big result, timed as a cell, and memory across page flips."""
    import duckdb
    import psutil

    folder = tempfile.mkdtemp(prefix="hpdp-bench-explorer-")
    store = os.path.join(folder, "store.duckdb")
    with duckdb.connect(store) as con:
        con.execute(MAKE.format(rows=rows, plot_rows=0))
    scratch = {name: os.path.join(folder, name) for name in ("config", "data", "runtime", "ipython")}
    kernel_env = {
        **env,
        "HPDP_HOME": folder,
        "HPDP_DB_ENGINE": "duckdb",
        "HPDP_DB_URL": f"duckdb:///{store}",
        "JUPYTER_CONFIG_DIR": scratch["config"],
        "JUPYTER_DATA_DIR": scratch["data"],
        "JUPYTER_RUNTIME_DIR": scratch["runtime"],
        "IPYTHONDIR": scratch["ipython"],
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    }
    kernel = KernelDriver(kernel_env, folder)
    try:
        kernel.run("%%sql\nSELECT 1")  # the store opens on first use: not part of the figure
        cell = f"%%sql\n{BIG}"
        kernel.run(cell)  # warm-up
        times, events = [], []
        for _ in range(repeat):
            took, events = kernel.run(cell)
            times.append(took)
        opened: dict[str, dict] = {}
        for e in events:  # each widget's state: opened, then updated
            opened.setdefault(e["comm_id"], {}).update(e.get("data", {}).get("state", {}))
        [next_id] = [c for c, s in opened.items() if s.get("description") == "Next ›"]
        [table_id] = [c for c, s in opened.items() if "hpdp-sql-result" in s.get("_dom_classes", ())]
        if opened[table_id].get("value", "").count("<tr>") != 11:  # the header row and a page of 10
            raise SystemExit("explorer: the cell showed no first page")
        process = psutil.Process(kernel.pid)
        for _ in range(3):
            kernel.click(next_id)  # warm-up
        rss = [process.memory_info().rss]
        flips = []
        for _ in range(20):
            flips.append(kernel.click(next_id))
            rss.append(process.memory_info().rss)
        kernel.run("%config SqlMagic.explorer = False")
        whole, _ = kernel.run(cell)  # today's table: the whole result read into Python
    finally:
        kernel.close()
        shutil.rmtree(folder, ignore_errors=True)
    mb = 1024 * 1024
    print(f"explorer: {rows:,}-row result in a real hpdp kernel; {repeat} cells, 20 page flips\n")
    first = statistics.median(times) * 1000
    print(f"first page shown (cell, median / best): {first:8.1f} ms / {min(times) * 1000:.1f} ms")
    print(f"page flip (click to idle, median):      {statistics.median(flips) * 1000:8.1f} ms")
    print(f"same cell with the explorer off:        {whole * 1000:8.1f} ms (reads the whole result)")
    print(
        f"kernel RSS over 20 flips: {rss[0] / mb:.1f} MB -> {rss[-1] / mb:.1f} MB "
        f"(max {max(rss) / mb:.1f} MB, {(rss[-1] - rss[0]) / mb:+.1f} MB)\n"
    )
    return [
        f"explorer: first page of {rows:,} rows shown in {first:.1f} ms median (target < 150 ms)",
        f"explorer: RSS {(rss[-1] - rss[0]) / mb:+.1f} MB across 20 page flips (target: flat)",
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--small-repeat", type=int, default=300)
    parser.add_argument("--plot-rows", type=int, default=10_000_000)
    parser.add_argument("--plot-repeat", type=int, default=7)
    parser.add_argument("--explorer-rows", type=int, default=10_000_000)
    parser.add_argument("--explorer-repeat", type=int, default=10)
    args = parser.parse_args(argv)

    import duckdb

    folder = tempfile.mkdtemp(prefix="hpdp-bench-magic-")
    source = os.path.join(folder, "bench.duckdb")
    with duckdb.connect(source) as con:
        con.execute(MAKE.format(rows=args.rows, plot_rows=args.plot_rows))
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
        verdicts += plot_section(raw, magic, args.plot_rows, args.plot_repeat)
    finally:
        raw.close()
        magic.close()
        shutil.rmtree(folder, ignore_errors=True)
    verdicts += explorer_section(args.explorer_rows, args.explorer_repeat, env)
    for verdict in verdicts:
        print(verdict)


def plot_section(raw: Contender, magic: Contender, rows: int, repeat: int) -> list[str]:
    """A histogram of one column: numpy on the column pulled into pandas vs bins computed by DuckDB."""
    for contender in (raw, magic):
        contender.run("PLOT")  # warm-up (hvplot is imported on first use, not timed here)
    times: dict[str, list[float]] = {"raw": [], "hpdp": []}
    moved: dict[str, int] = {}
    for i in range(repeat):
        for contender in (raw, magic) if i % 2 == 0 else (magic, raw):
            seconds, moved[contender.name] = contender.run("PLOT")
            times[contender.name].append(seconds)
    base = statistics.median(times["raw"])
    title = f"{rows / 1e6:g}M-row histogram"
    header = f"{'plot':<22} {'contender':<40} {'median':>10} {'best':>10} {'vs raw':>7} {'to Python':>12}"
    print(header)
    print("-" * len(header))
    for label, key in (
        ("raw: .df() + numpy.histogram", "raw"),
        (f"hpdp: %sql --plot histogram bins={PLOT_BINS}", "hpdp"),
    ):
        median = statistics.median(times[key])
        print(
            f"{title:<22} {label:<40} {median * 1000:>8.1f}ms {min(times[key]) * 1000:>8.1f}ms "
            f"{median / base:>6.3f}x {moved[key]:>10,} B"
        )
    magic.run("RENDER")  # the first drawing imports HoloViews, Bokeh and matplotlib
    render, png = magic.run("RENDER")
    print(f"{'':<22} {'drawing it once (Bokeh + PNG)':<40} {render * 1000:>8.1f}ms {'':>10} {'':>7} {png:>10,} B\n")
    ratio = statistics.median(times["hpdp"]) / base
    share = moved["hpdp"] / moved["raw"]
    return [
        f"{title}: hpdp / raw = {ratio:.3f}x median (target <= 0.3x)",
        f"{title}: bytes to Python hpdp / raw = 1/{1 / share:,.0f} (target <= 1/1000)",
    ]


if __name__ == "__main__":
    main()
