"""The lake with its catalog on PostgreSQL and its data files in a bucket of a real S3 server (moto)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from hpdp.application.store_ports import AbstractStore
from hpdp.domain.errors import ConfigError, StoreUnavailableError
from hpdp.infrastructure.parts import build_store
from hpdp.infrastructure.registries import Registries
from hpdp.infrastructure.settings import load_settings
from tests.s3_server import S3Server

pytestmark = pytest.mark.ducklake

WRITER = textwrap.dedent(
    """
    import sys, hpdp
    hp = hpdp.open(home=sys.argv[1])
    hp.write("events", {"who": ["child"] * 500, "n": list(range(500))}, mode="append")
    print("ok")
    """
)


@pytest.fixture
def lake(pg_url: str, s3_lake: dict[str, str]) -> dict[str, str]:
    return {"db_engine": "ducklake", "db_url": pg_url, **s3_lake}


@pytest.fixture
def open_lake(lake: dict[str, str], tmp_path: Path) -> Iterator[Callable[..., AbstractStore]]:
    """Opens a store on the shared lake; each gets a workspace of its own, as on another machine."""
    opened: list[AbstractStore] = []

    def _open(**overrides: Any) -> AbstractStore:
        home = tmp_path / f"home{len(opened)}"
        store = build_store(load_settings(home=home, **{**lake, **overrides}), Registries())
        opened.append(store)
        return store

    yield _open
    for store in opened:
        store.close()


def bucket_of(lake: dict[str, str]) -> str:
    return lake["lake_data_path"].removeprefix("s3://").split("/")[0]


def events(n: int, who: str = "parent") -> pa.Table:
    return pa.table({"who": [who] * n, "n": list(range(n))})


def test_data_files_land_in_the_bucket_under_the_prefix(open_lake, lake, s3_server: S3Server):
    store = open_lake()
    store.write("events", events(1000))
    keys = s3_server.keys(bucket_of(lake))
    files = store.sql("SELECT data_file FROM ducklake_list_files('store', 'events')").column("data_file").to_pylist()
    assert files and all(f.startswith(lake["lake_data_path"]) for f in files)
    assert {f"s3://{bucket_of(lake)}/{k}" for k in keys} >= set(files)
    assert all(k.startswith("lake/") and k.endswith(".parquet") for k in keys)


def test_two_stores_on_one_catalog_and_bucket_see_each_others_commits(open_lake):
    first, second = open_lake(), open_lake()
    first.write("events", events(300, "first"))
    assert second.sql("SELECT count(*) AS n FROM events").column("n").to_pylist() == [300]
    second.write("events", events(200, "second"), mode="append")
    counts = first.sql("SELECT who, count(*) AS n FROM events GROUP BY who ORDER BY who").to_pylist()
    assert counts == [{"who": "first", "n": 300}, {"who": "second", "n": 200}]


def test_a_commit_of_another_process_is_seen(open_lake, lake, tmp_path: Path):
    store = open_lake()
    store.write("events", events(100))
    env = {**os.environ, **{f"HPDP_{k.upper()}": v for k, v in lake.items()}}
    child = subprocess.run(
        [sys.executable, "-c", WRITER, str(tmp_path / "child")], env=env, capture_output=True, text=True, timeout=300
    )
    assert child.returncode == 0, child.stderr
    rows = store.sql("SELECT who, sum(n) AS total FROM events GROUP BY who ORDER BY who").to_pylist()
    assert rows == [{"who": "child", "total": sum(range(500))}, {"who": "parent", "total": sum(range(100))}]


def test_an_earlier_snapshot_reads_back_from_the_bucket(open_lake):
    store = open_lake()
    store.write("events", events(400))
    before = store.current_snapshot()
    store.write("events", events(600, "later"), mode="append")
    assert store.sql("SELECT count(*) AS n FROM events").column("n").to_pylist() == [1000]
    old = store.sql("SELECT count(*) AS n, sum(n) AS total FROM events", as_of=before).to_pylist()
    assert old == [{"n": 400, "total": sum(range(400))}]


def test_a_wrong_secret_is_one_sentence_and_writes_nothing(open_lake, lake, s3_server: S3Server):
    store = open_lake()
    store.write("events", events(100))
    keys, snapshot = s3_server.keys(bucket_of(lake)), store.latest_snapshot()

    with pytest.raises(ConfigError) as caught:
        open_lake(s3_secret="not-the-secret").write("events", events(5), mode="append")
    message = str(caught.value)
    assert "HPDP_S3_SECRET" in message and "\n" not in message and "not-the-secret" not in message

    assert s3_server.keys(bucket_of(lake)) == keys
    assert store.latest_snapshot() == snapshot
    assert store.sql("SELECT count(*) AS n FROM events").column("n").to_pylist() == [100]


def test_an_endpoint_that_does_not_answer_names_the_setting(open_lake):
    with pytest.raises(
        StoreUnavailableError, match=r"^The S3 endpoint 127\.0\.0\.1:1 does not answer .*HPDP_S3_ENDPOINT"
    ):
        open_lake(s3_endpoint="127.0.0.1:1")


def test_a_missing_bucket_names_the_setting(open_lake):
    with pytest.raises(ConfigError, match=r"bucket 'no-such-bucket-here' does not exist.*HPDP_LAKE_DATA_PATH"):
        open_lake(lake_data_path="s3://no-such-bucket-here/lake")


def test_the_locked_down_reader_reads_the_bucket(open_lake):
    store = open_lake()
    store.write("events", events(50))
    reader = store.read_only()  # type: ignore[attr-defined]
    try:
        assert reader.sql("SELECT sum(n) AS total FROM events").column("total").to_pylist() == [sum(range(50))]
    finally:
        reader.close()
