"""`hpdp clean`, `hpdp anomalies` and `hpdp advise engines` on a real DuckLake workspace."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.e2e.runs_cli import env_for, hpdp

MESSY = """order_id,amount,price,day,seen,city,paid,source
1, 12,1.5,2024-01-02,2024-01-02 10:00:00,Paris,true,web
2,7,2,2024-02-03,2024-01-02 11:00:00,paris,false,web
3,NA,null,,2024-01-03 09:30:00, Paris ,TRUE,web
3,,3.25,2024-03-04,2024-01-04 08:00:00,Lyon,false,web
5,3,N/A,2024-04-05,2024-01-05 07:00:00,LYON,NA,web
6,8,4,none,2024-01-06 06:00:00,Lyon,true,web
"""


def json_rows(env: dict[str, str], query: str, *extra: str) -> list[dict]:
    done = hpdp(env, "sql", query, "--format", "json", *extra)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture
def messy(workspace: Path, tmp_path: Path) -> dict[str, str]:
    """A workspace with table `orders` loaded from text: every column arrives as VARCHAR."""
    env = env_for(workspace)
    csv = tmp_path / "orders.csv"
    csv.write_text(MESSY)
    loaded = hpdp(env, "sql", f"CREATE TABLE orders AS SELECT * FROM read_csv('{csv}', all_varchar = true)")
    assert loaded.returncode == 0, loaded.stderr
    return env


def test_clean_reports_without_changing_anything(messy: dict[str, str]) -> None:
    before = hpdp(messy, "snapshots").stdout
    done = hpdp(messy, "clean", "orders", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    kinds = {(s["kind"], s["column"]) for s in report["suggestions"]}
    assert {("cast", "amount"), ("cast", "price"), ("cast", "day"), ("cast", "seen"), ("cast", "paid")} <= kinds
    assert {("missing_markers", "amount"), ("categories", "city"), ("constant_column", "source")} <= kinds
    assert ("duplicate_keys", "order_id") in kinds  # an id-like column, checked without being named
    assert not report["applied"] and hpdp(messy, "snapshots").stdout == before


def test_clean_apply_writes_a_typed_snapshot_with_its_report_and_time_travel_returns_the_original(
    messy: dict[str, str],
) -> None:
    done = hpdp(messy, "clean", "orders", "--apply", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["applied"] and report["snapshot_after"] == report["snapshot_before"] + 1

    types = {r["column_name"]: r["column_type"] for r in json_rows(messy, "DESCRIBE orders")}
    assert types == {
        "order_id": "BIGINT",
        "amount": "BIGINT",
        "price": "DOUBLE",
        "day": "DATE",
        "seen": "TIMESTAMP",
        "city": "VARCHAR",
        "paid": "BOOLEAN",
        "source": "VARCHAR",
    }
    rows = json_rows(messy, "SELECT amount, price, city, paid FROM orders ORDER BY seen")
    assert [r["amount"] for r in rows] == [12, 7, None, None, 3, 8]
    assert [r["city"] for r in rows] == ["Paris", "Paris", "Paris", "Lyon", "Lyon", "Lyon"]
    assert rows[4]["paid"] is None and rows[4]["price"] is None
    assert len(json_rows(messy, "SELECT * FROM orders WHERE order_id = 3")) == 2  # duplicates only reported

    stored = json_rows(messy, "SELECT table_name, report FROM hpdp_meta.cleaning_reports")
    assert [r["table_name"] for r in stored] == ["orders"]
    assert json.loads(stored[0]["report"])["suggestions"] == report["suggestions"]

    original = json_rows(messy, "SELECT amount, city FROM orders", "--as-of", str(report["snapshot_before"]))
    assert [r["amount"] for r in original][:3] == [" 12", "7", "NA"] and original[2]["city"] == " Paris "
    again = json.loads(hpdp(messy, "clean", "orders", "--json").stdout)
    assert {s["kind"] for s in again["suggestions"]} == {"constant_column", "duplicate_keys"}


def test_clean_of_a_missing_table_is_one_sentence(messy: dict[str, str]) -> None:
    done = hpdp(messy, "clean", "nope", "--apply")
    assert done.returncode == 1 and done.stderr.startswith("Error: Table 'nope' does not exist")


@pytest.fixture
def measured(workspace: Path, tmp_path: Path) -> tuple[dict[str, str], list[int]]:
    """Table `readings`: 3,000 rows of two normal columns and three seeded outliers (ids 17, 1200, 2999)."""
    rng = np.random.default_rng(7)
    n = 3000
    load, temp = rng.normal(100, 10, n), rng.normal(20, 2, n)
    load[17], load[1200], temp[2999] = 400.0, -100.0, 60.0
    csv = tmp_path / "readings.csv"
    lines = ["id,load,temp,site", *(f"{i},{load[i]:.4f},{temp[i]:.4f},s{i % 3}" for i in range(n))]
    csv.write_text("\n".join(lines) + "\n")
    env = env_for(workspace)
    assert hpdp(env, "import", str(csv), "--table", "readings").returncode == 0
    return env, [17, 1200, 2999]


@pytest.mark.parametrize("detector", ["robust", "isolation_forest"])
def test_anomalies_finds_the_seeded_outliers_with_each_detector(
    measured: tuple[dict[str, str], list[int]], detector: str
) -> None:
    env, seeded = measured
    env = {**env, "HPDP_ANOMALY_DETECTOR": detector}
    done = hpdp(env, "anomalies", "readings", "--columns", "load,temp", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["detector"] == detector and report["rows_examined"] == 3000 and not report["sampled"]
    top = [a["values"]["id"] for a in report["anomalies"][:3]]
    assert sorted(top) == seeded
    shown = hpdp(env, "anomalies", "readings", "-c", "load", "-c", "temp", "--limit", "3")
    assert f"{detector} detector over load, temp" in shown.stdout and "1200" in shown.stdout


def test_anomalies_samples_a_big_table_in_the_store_and_refuses_text_columns(
    measured: tuple[dict[str, str], list[int]],
) -> None:
    env, _ = measured
    sampled = json.loads(hpdp({**env, "HPDP_ANOMALY_SAMPLE_ROWS": "500"}, "anomalies", "readings", "--json").stdout)
    assert sampled["sampled"] and sampled["rows_examined"] == 500 and sampled["rows_in_table"] == 3000
    refused = hpdp(env, "anomalies", "readings", "-c", "site")
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        "Error: Column 'site' of 'readings' is not a numeric column; its numeric columns are: id, load, temp."
    )


def test_advise_engines_runs_both_processors_and_reports_the_ratio(
    measured: tuple[dict[str, str], list[int]],
) -> None:
    env, _ = measured
    done = hpdp(env, "advise", "engines", "readings", "--repeat", "3", "--json")
    assert done.returncode == 0, done.stderr
    advice = json.loads(done.stdout)
    assert set(advice["seconds"]) == {"polars", "pandas"} and all(len(t) == 3 for t in advice["seconds"].values())
    assert advice["ratio"] >= 1
    listed = json.loads(hpdp(env, "insights", "--json").stdout)
    [stored] = [f for f in listed if f["id"] == advice["finding"]]
    assert stored["kind"] == "engine_advice" and stored["subject"] == "table:readings"
    bad = hpdp(env, "advise", "engines", "readings", "--task", "sort")
    assert bad.returncode == 1 and "Unknown task 'sort'" in bad.stderr
