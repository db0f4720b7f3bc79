"""Several processes on one default (DuckLake) store: no lock errors, no lost rows."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
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
