"""Several processes, threads and sessions on one default (DuckLake) store: no lock errors, no lost rows."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytestmark = pytest.mark.ducklake

WRITER = textwrap.dedent(
    """
    import sys, hpdp
    home, who, batches = sys.argv[1], sys.argv[2], int(sys.argv[3])
    hp = hpdp.open(home=home)
    for i in range(batches):
        hp.write("events", {"writer": [who] * 50, "batch": [i] * 50, "n": list(range(50))})
    hp.write("events", {"writer": [who], "batch": [-1], "n": [-1]}, mode="merge", key=["writer", "batch", "n"])
    print("ok")
    """
)
RACER = textwrap.dedent(
    """
    import json, sys, hpdp
    from hpdp.domain.errors import WriteConflictError
    home, who, batches, attempts = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    hp = hpdp.open(home=home)
    hp.store.commit_attempts = attempts  # 1: give up at the first lost race
    written = conflicts = 0
    for i in range(batches):
        try:
            hp.write("events", {"who": [who] * 50, "i": [i] * 50})
            written += 1
        except WriteConflictError:
            conflicts += 1
    print(json.dumps({"written": written, "conflicts": conflicts}))
    """
)
READER = textwrap.dedent(
    """
    import json, sys, time, hpdp
    home, expected = sys.argv[1], int(sys.argv[2])
    hp = hpdp.open(home=home)
    seen = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        n = hp.sql("SELECT count(*) AS n FROM events", format="arrow").column("n")[0].as_py()
        seen.append(n)
        if n >= expected:
            break
        time.sleep(0.05)
    print(json.dumps(seen))
    """
)


def run_py(code: str, *args: str, cwd: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HPDP_")}
    return subprocess.Popen(
        [sys.executable, "-c", code, *args], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_two_writers_and_a_reader_share_one_lake(workspace: Path, tmp_path: Path):
    import hpdp

    with hpdp.open(home=str(workspace)) as hp:
        hp.write("events", {"writer": ["init"], "batch": [0], "n": [0]})
    batches = 15
    expected = 1 + 2 * (batches * 50 + 1)
    procs = [
        run_py(WRITER, str(workspace), "a", str(batches), cwd=tmp_path),
        run_py(WRITER, str(workspace), "b", str(batches), cwd=tmp_path),
        run_py(READER, str(workspace), str(expected), cwd=tmp_path),
    ]
    outputs = [p.communicate(timeout=300) for p in procs]
    for proc, (_out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
    seen = json.loads(outputs[2][0])
    assert seen == sorted(seen), "a reader never sees rows disappear"
    assert seen[-1] == expected
    with hpdp.open(home=str(workspace)) as hp:
        result = hp.sql("SELECT writer, count(*) AS n FROM events GROUP BY ALL", format="arrow").to_pylist()
        counts = {r["writer"]: r["n"] for r in result}
        assert counts == {"init": 1, "a": batches * 50 + 1, "b": batches * 50 + 1}
        assert len(hp.snapshots("events")) >= 2 * batches + 2


def open_lake(home: Path):
    from hpdp.infrastructure.parts import build_store
    from hpdp.infrastructure.registries import Registries
    from hpdp.infrastructure.settings import load_settings

    return build_store(load_settings(home=home, db_engine="ducklake"), Registries())


def test_two_sessions_at_different_snapshots_read_at_the_same_time(workspace: Path):
    import pyarrow as pa

    store = open_lake(workspace)
    try:
        snaps = [store.write("t", pa.table({"x": [i]})).snapshot for i in range(3)]
        barrier = threading.Barrier(len(snaps))

        def read(snapshot: int) -> set[int]:
            with store.session(as_of=snapshot) as session:
                barrier.wait(timeout=60)
                seen = set()
                for _ in range(25):
                    seen.add(session.sql("SELECT count(*) AS n FROM t").column("n")[0].as_py())
                    seen.add(session.read("t").num_rows)
                return seen

        with ThreadPoolExecutor(len(snaps)) as pool:
            seen = list(pool.map(read, snaps))
        assert seen == [{1}, {2}, {3}]
        databases = store.sql("SELECT database_name FROM duckdb_databases()").column(0).to_pylist()
        assert not [d for d in databases if d.startswith("store_v")], "every snapshot attach is detached at the end"
        assert store.sql("SELECT count(*) AS n FROM t").column("n")[0].as_py() == 3
    finally:
        store.close()


def test_writers_that_lose_races_retry_or_get_a_write_conflict_and_lose_no_rows(workspace: Path, tmp_path: Path):
    import hpdp

    with hpdp.open(home=str(workspace)) as hp:
        hp.write("events", {"who": ["init"], "i": [-1]})
    batches = 15
    patient = run_py(RACER, str(workspace), "patient", str(batches), "10", cwd=tmp_path)
    hasty = run_py(RACER, str(workspace), "hasty", str(batches), "1", cwd=tmp_path)
    outputs = [p.communicate(timeout=300) for p in (patient, hasty)]
    for proc, (_out, err) in zip((patient, hasty), outputs, strict=True):
        assert proc.returncode == 0, err
    written = {who: json.loads(out) for who, (out, _err) in zip(("patient", "hasty"), outputs, strict=True)}
    assert written["patient"]["conflicts"] == 0 and written["patient"]["written"] == batches
    assert written["hasty"]["written"] + written["hasty"]["conflicts"] == batches
    with hpdp.open(home=str(workspace)) as hp:
        rows = hp.sql("SELECT who, i, count(*) AS n FROM events WHERE i >= 0 GROUP BY ALL", format="arrow").to_pylist()
    assert all(r["n"] == 50 for r in rows), "no batch is half-written or written twice"
    assert len(rows) == written["patient"]["written"] + written["hasty"]["written"]


def test_the_catalog_runs_in_wal_mode_and_a_second_store_in_one_process_leaves_the_first_working(tmp_path: Path):
    import sqlite3

    import hpdp

    catalog = tmp_path / "lake" / "catalog.sqlite"
    catalog.parent.mkdir(parents=True)
    with sqlite3.connect(catalog) as con:  # a catalog made before WAL mode: switched once, on open
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    first = hpdp.open(home=tmp_path)
    first.write("t", {"x": [1, 2]})
    assert catalog.read_bytes()[18:20] == b"\x02\x02"
    second = hpdp.open(home=tmp_path)  # already WAL: opened by DuckDB alone, the first store's locks stay
    second.write("t", {"x": [3]})
    first.write("t", {"x": [4]})
    assert sorted(first.sql("SELECT x FROM t", format="polars")["x"]) == [1, 2, 3, 4]
    second.close()
    first.close()
