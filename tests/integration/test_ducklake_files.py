"""What the default store leaves on disk: Parquet files beside a SQLite catalog in the workspace."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import hpdp

pytestmark = pytest.mark.ducklake


def test_large_writes_become_lz4_parquet_files_in_the_workspace(workspace: Path):
    with hpdp.open(home=str(workspace)) as hp:
        hp.write("numbers", pa.table({"n": pa.array(range(50_000), pa.int64())}))
        files = list((workspace / "lake" / "data").rglob("*.parquet"))
        assert files, "rows past the inlining limit are written as Parquet"
        meta = pq.ParquetFile(files[0]).metadata
        assert (
            meta.row_group(0).column(0).compression == "LZ4"
        )  # pyarrow names LZ4_RAW "LZ4"; the default would be SNAPPY
        assert (workspace / "lake" / "catalog.sqlite").is_file()


def test_reopening_a_lake_keeps_its_options_and_adds_no_snapshot(workspace: Path):
    with hpdp.open(home=str(workspace)) as hp:
        hp.write("t", {"a": [1]})
        before = hp.current_snapshot()
    with hpdp.open(home=str(workspace)) as hp:
        assert hp.current_snapshot() == before
