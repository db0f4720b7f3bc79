"""Notebook runs side by side: N runs of a small parameterized notebook, four ways, in one process tree.

    .venv/bin/python benchmarks/runs.py [--runs 20]

1. papermill CLI, one process per run (what a cron user does)
2. `hpdp run` CLI, one process per run (tracked in MLflow), and the same without a tracking store;
   1 and 2 run interleaved, run by run, after one untimed warm-up run each
3. papermill's Python API in a loop (one process, a kernel start per run)
4. the same runs queued to one long-lived `hpdp worker` with warm kernels (Redis queue, tracked in MLflow)

Prints per-run wall time and the ratios the targets are stated in.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
KERNEL = "python3"


def notebook(path: Path) -> Path:
    cells = [("x = 1\n", ["parameters"]), ("y = x * 2\nprint(y)", [])]
    nb = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "id": f"c{i}",
                "metadata": {"tags": tags},
                "outputs": [],
                "source": src,
            }
            for i, (src, tags) in enumerate(cells)
        ],
        "metadata": {"kernelspec": {"name": KERNEL, "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.write_text(json.dumps(nb))
    return path


def env_for(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HPDP_")}
    env["HPDP_HOME"] = str(home)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # hpdp's bytecode, as an installed package has it (untimed warm-up)
    env.update(extra)
    return env


def timed(label: str, runs: int, each: list[float] | None = None, total: float | None = None) -> dict:
    per_run = statistics.fmean(each) if each else (total or 0.0) / runs
    row = {"way": label, "runs": runs, "per_run_s": per_run}
    if each:
        row["median_s"] = statistics.median(each)
    print(
        f"  {label:<46} {per_run:7.2f} s per run" + (f"  (median {row['median_s']:.2f})" if each else ""),
        flush=True,
    )
    return row


def papermill_cli_once(nb: Path, out: Path, i: int) -> float:
    start = time.perf_counter()
    argv = [str(BIN / "papermill"), str(nb), str(out / f"pm-cli-{i}.ipynb"), "-p", "x", str(i), "-k", KERNEL]
    subprocess.run(
        [*argv, "--no-progress-bar"],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


def hpdp_cli_once(nb: Path, home: Path, i: int, tracker: str) -> float:
    env = env_for(home, HPDP_TRACKER=tracker)
    start = time.perf_counter()
    subprocess.run([str(BIN / "hpdp"), "run", str(nb), "-p", "x", str(i)], env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def one_shot_processes(nb: Path, out: Path, tmp: Path, runs: int) -> list[dict]:
    """papermill CLI and `hpdp run` (MLflow, then no tracking store), interleaved run by run, so that the
    load of the other work on the machine falls on all three alike. One untimed warm-up run each first
    (it pages the libraries in and creates the workspace and MLflow store, as a user's first run does)."""
    ways: list[tuple[str, Any]] = [
        ("papermill CLI, a process per run", lambda i: papermill_cli_once(nb, out, i)),
        ("hpdp run CLI, a process per run (MLflow)", lambda i: hpdp_cli_once(nb, tmp / "ws-cli", i, "mlflow")),
        (
            "hpdp run CLI, a process per run (no tracking store)",
            lambda i: hpdp_cli_once(nb, tmp / "ws-cli-memory", i, "memory"),
        ),
    ]
    for _, once in ways:
        once(-1)
    each: list[list[float]] = [[] for _ in ways]
    for i in range(runs):
        for times, (_, once) in zip(each, ways, strict=True):
            times.append(once(i))
    return [timed(label, runs, times) for times, (label, _) in zip(each, ways, strict=True)]


def papermill_api(nb: Path, out: Path, runs: int) -> dict:
    code = (
        "import sys, time, json\nstart = time.perf_counter()\nimport papermill as pm\neach = []\n"
        "for i in range(int(sys.argv[3])):\n    t = time.perf_counter()\n"
        "    pm.execute_notebook(sys.argv[1], f'{sys.argv[2]}/pm-api-{i}.ipynb', parameters={'x': i}, "
        f"kernel_name={KERNEL!r}, progress_bar=False)\n    each.append(time.perf_counter() - t)\n"
        "print(json.dumps({'each': each, 'total': time.perf_counter() - start}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(nb), str(out), str(runs)], check=True, capture_output=True, text=True
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return timed("papermill API in a loop (import counted once)", runs, total=result["total"])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def warm_worker(nb: Path, home: Path, runs: int, tmp: Path) -> dict | None:
    server = shutil.which("redis-server")
    if server is None:
        print("  (no redis-server on this machine: the warm-worker figure is skipped)")
        return None
    port = free_port()
    redis = subprocess.Popen(
        [
            server,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp),
        ],
        stdout=subprocess.DEVNULL,
    )
    env = env_for(home, HPDP_QUEUE="redis", HPDP_REDIS_URL=f"redis://127.0.0.1:{port}/0")
    worker = None
    try:
        time.sleep(0.5)
        worker = subprocess.Popen(
            [str(BIN / "hpdp"), "worker", "--pool", "2"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        from hpdp.domain.runs import RunRequest, RunStatus
        from hpdp.infrastructure.container import Container
        from hpdp.infrastructure.settings import load_settings

        os.environ.update({k: v for k, v in env.items() if k.startswith("HPDP_")})
        with Container(load_settings()) as container:
            service = container.runs()
            # warm-up: one run brings the worker's imports, MLflow store and kernel pool up
            service.wait([service.submit(RunRequest(str(nb), {"x": -1})).id], timeout_s=300)
            time.sleep(3)  # let the pool refill, as a long-lived worker would between bursts
            start = time.perf_counter()
            ids = [service.submit(RunRequest(str(nb), {"x": i})).id for i in range(runs)]
            records = service.wait(ids, timeout_s=1200, poll_s=0.1)
            total = time.perf_counter() - start
        bad = [r for r in records if r.status is not RunStatus.FINISHED]
        if bad:
            raise SystemExit(f"warm worker: {len(bad)} runs did not finish: {bad[0].reason}")
        return timed("queued to one warm hpdp worker (MLflow)", runs, total=total)
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(60)
        redis.terminate()
        redis.wait(10)


def help_time() -> float:
    each = []
    for _ in range(5):
        start = time.perf_counter()
        subprocess.run([str(BIN / "hpdp"), "--help"], check=True, capture_output=True)
        each.append(time.perf_counter() - start)
    return statistics.median(each)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--no-worker", action="store_true", help="skip the warm-worker figure (Redis)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="hpdp-bench-runs-"))
    try:
        nb = notebook(tmp / "small.ipynb")
        out = tmp / "out"
        out.mkdir()
        print(
            f"{args.runs} runs of a two-cell parameterized notebook, load {os.getloadavg()[0]:.1f} "
            f"on {os.cpu_count()} CPUs",
            flush=True,
        )
        pm_cli, one_shot, untracked = one_shot_processes(nb, out, tmp, args.runs)
        api = papermill_api(nb, out, args.runs)["per_run_s"]
        warm = None if args.no_worker else warm_worker(nb, tmp / "ws-worker", args.runs, tmp)
        cli = pm_cli["per_run_s"]
        print("ratios (lower is better for hpdp; medians of the interleaved runs in brackets):")
        print(
            f"  hpdp run CLI / papermill CLI          {one_shot['per_run_s'] / cli:5.2f}"
            f"  ({one_shot['median_s'] / pm_cli['median_s']:.2f})  (target <= 1.0)"
        )
        print(
            f"  same, tracker=memory / papermill CLI  {untracked['per_run_s'] / cli:5.2f}"
            f"  ({untracked['median_s'] / pm_cli['median_s']:.2f})  (the rest is MLflow)"
        )
        if warm:
            print(f"  warm worker / papermill API loop      {warm['per_run_s'] / api:5.2f}  (target <= 0.5)")
            print(f"  warm worker / papermill CLI           {warm['per_run_s'] / cli:5.2f}")
        print(f"hpdp --help: {help_time():.2f} s (median of 5; target < 0.5 s)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
