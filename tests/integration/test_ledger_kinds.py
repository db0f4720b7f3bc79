"""The execution ledger in a real DuckLake workspace: sampled queries and transfers are recorded beside the
user's tables, and none of those records is a snapshot the user lists."""

from __future__ import annotations

from pathlib import Path

from hpdp.infrastructure.container import Container
from hpdp.infrastructure.settings import Settings


def test_sampled_queries_and_a_transfer_are_recorded_without_a_snapshot_a_user_sees(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "ws", tracker="memory", record_queries=1.0)
    with Container(settings) as c:
        hp = c.workbench()
        hp.write("people", [{"id": i, "name": f"p{i}"} for i in range(10)])
        listed = [s.id for s in hp.snapshots()]
        assert hp.sql("SELECT count(*) AS n FROM people WHERE id > 3", format="arrow").to_pylist() == [{"n": 6}]
        assert c.queries().stream("people").read_all().num_rows == 10
        c.recorder().flush()
        rows = hp.sql("SELECT kind, subject, rows, config FROM hpdp_meta.executions ORDER BY started", format="arrow")
        recorded = rows.to_pylist()
        assert [(r["kind"], r["rows"]) for r in recorded] == [("query", 1), ("transfer", 10)]
        assert recorded[0]["subject"].startswith("q:") and "where id > ?" in recorded[0]["config"]
        assert recorded[1]["subject"] == "people"
        assert [s.id for s in hp.snapshots()] == listed  # the ledger's commits are bookkeeping
        assert hp.current_snapshot() == listed[-1]
