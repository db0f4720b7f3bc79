"""REST under /api/v1 of a real `hpdp serve`: every endpoint, JSON against Arrow, paging, writes,
read-only SQL and the problem+json statuses."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyarrow as pa
import pytest

from tests.e2e.serve.api_server import ARROW, BIG_ROWS, Server, serve_api


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serve_api(tmp_path_factory.mktemp("rest") / "ws", query_timeout_s="2") as served:
        yield served


@pytest.fixture
def api(server: Server) -> Iterator[httpx.Client]:
    with server.client() as client:
        yield client


def arrow_of(response: httpx.Response) -> pa.Table:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == ARROW
    return pa.ipc.open_stream(response.content).read_all()


def json_rows(table: pa.Table) -> list[list[object]]:
    """Arrow rows as the JSON page shows them (NaN as null, dates as ISO text)."""
    out = []
    for row in table.to_pylist():
        values = []
        for v in row.values():
            if isinstance(v, float) and math.isnan(v):
                v = None
            values.append(v.isoformat() if hasattr(v, "isoformat") else v)
        out.append(values)
    return out


def assert_problem(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["code"] == code
    assert body["type"] == f"urn:hpdp:error:{code}" and body["title"] and body["detail"].endswith(".")
    return body


# -- info, tables, schema, snapshots -------------------------------------------------------------------------
def test_info_says_version_and_that_a_token_is_needed_and_shows_no_secret(api: httpx.Client, server: Server) -> None:
    response = api.get("/api/v1/info")
    body = response.json()
    assert body["version"] and body["token_required"] is True and body["flight_port"] is None
    assert server.token not in response.text


def test_tables_lists_every_table_with_its_rows(api: httpx.Client) -> None:
    tables = {t["name"]: t["rows"] for t in api.get("/api/v1/tables").json()}
    assert tables["people"] == 5 and tables["big"] == BIG_ROWS


def test_a_page_has_columns_rows_total_limit_and_offset(api: httpx.Client) -> None:
    body = api.get("/api/v1/tables/big", params={"limit": 3, "offset": 10, "order_by": "id"}).json()
    assert body == {
        "columns": ["id", "half"],
        "rows": [[10, 5.0], [11, 5.5], [12, 6.0]],
        "total": BIG_ROWS,
        "limit": 3,
        "offset": 10,
    }


def test_pages_follow_each_other_and_columns_narrow_them(api: httpx.Client) -> None:
    params = {"limit": 2, "order_by": "id", "columns": "name,id"}
    pages = [api.get("/api/v1/tables/people", params={**params, "offset": o}).json() for o in (0, 2, 4)]
    assert pages[0]["columns"] == ["name", "id"]
    assert [r[1] for p in pages for r in p["rows"]] == [1, 2, 3, 4, 5]
    assert api.get("/api/v1/tables/people", params={"order_by": "id", "descending": True}).json()["rows"][0][0] == 5


def test_json_and_arrow_pages_hold_the_same_rows(api: httpx.Client) -> None:
    for params in ({"limit": 5, "order_by": "id"}, {"limit": 2, "offset": 1, "order_by": "id", "columns": "id,born"}):
        page = api.get("/api/v1/tables/people", params=params).json()
        table = arrow_of(api.get("/api/v1/tables/people", params=params, headers={"Accept": ARROW}))
        assert table.column_names == page["columns"]
        assert json_rows(table) == page["rows"]
    whole = arrow_of(api.get("/api/v1/tables/people", headers={"Accept": ARROW})).sort_by("id")
    assert json_rows(whole) == api.get("/api/v1/tables/people", params={"order_by": "id"}).json()["rows"]


def test_a_whole_table_streams_as_arrow_batch_by_batch(api: httpx.Client) -> None:
    with api.stream("GET", "/api/v1/tables/big", headers={"Accept": ARROW}) as response:
        assert response.status_code == 200
        reader = pa.ipc.open_stream(b"".join(response.iter_bytes()))
        batches = list(reader)
    assert len(batches) > 1  # the store's reader yields several batches, sent as they come
    table = pa.Table.from_batches(batches)
    assert table.num_rows == BIG_ROWS and sorted(table["id"].to_pylist()) == list(range(BIG_ROWS))


def test_schema_lists_columns_and_types(api: httpx.Client) -> None:
    body = api.get("/api/v1/tables/people/schema").json()
    assert [(c["name"], c["type"]) for c in body["columns"]][:3] == [
        ("id", "BIGINT"),
        ("name", "VARCHAR"),
        ("score", "DOUBLE"),
    ]


def test_snapshots_list_writes_and_as_of_reads_the_past(api: httpx.Client) -> None:
    api.post("/api/v1/tables/travel", json=[{"v": 1}]).raise_for_status()
    first = api.get("/api/v1/snapshots", params={"table": "travel"}).json()[-1]["id"]
    api.post("/api/v1/tables/travel", json=[{"v": 2}]).raise_for_status()
    snaps = api.get("/api/v1/snapshots", params={"table": "travel"}).json()
    assert len(snaps) == 2 and all("travel" in s["tables"] for s in snaps)
    then = api.get("/api/v1/tables/travel", params={"as_of": first}).json()
    assert then["rows"] == [[1]] and then["total"] == 1
    assert api.get("/api/v1/tables/travel").json()["total"] == 2


# -- writes ------------------------------------------------------------------------------------------------
def ipc(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def test_an_arrow_body_is_written_in_each_mode(api: httpx.Client) -> None:
    headers = {"Content-Type": ARROW}
    first = pa.table({"k": [1, 2], "v": ["a", "b"]})
    answer = api.post("/api/v1/tables/modes", content=ipc(first), headers=headers)
    assert answer.status_code == 201 and answer.json()["rows_written"] == 2 and answer.json()["snapshot"] is not None
    api.post("/api/v1/tables/modes?mode=merge&key=k", content=ipc(pa.table({"k": [2, 3], "v": ["B", "c"]})),
             headers=headers).raise_for_status()  # fmt: skip
    rows = api.get("/api/v1/tables/modes", params={"order_by": "k"}).json()["rows"]
    assert rows == [[1, "a"], [2, "B"], [3, "c"]]
    api.post("/api/v1/tables/modes?mode=replace", json={"columns": ["k", "v"], "rows": [[9, "z"]]}).raise_for_status()
    assert api.get("/api/v1/tables/modes").json()["rows"] == [[9, "z"]]


def test_a_refused_write_changes_nothing(api: httpx.Client) -> None:
    api.post("/api/v1/tables/kept", json=[{"k": 1}]).raise_for_status()
    assert_problem(api.post("/api/v1/tables/kept?mode=merge", json=[{"k": 2}]), 400, "merge_key_missing")
    assert_problem(api.post("/api/v1/tables/kept?mode=upsert", json=[{"k": 2}]), 400, "write_mode_invalid")
    assert_problem(api.post("/api/v1/tables/kept", content=b"\x00garbage", headers={"Content-Type": ARROW}),
                   400, "body_invalid")  # fmt: skip
    assert_problem(api.post("/api/v1/tables/kept", content=b"{not json"), 400, "body_invalid")
    assert_problem(api.post("/api/v1/tables/kept", json=[{"k": 2**70}]), 400, "body_invalid")  # beyond 64 bits
    assert_problem(api.post("/api/v1/tables/kept", content=b""), 400, "body_empty")
    assert_problem(api.post("/api/v1/tables/bad name", json=[{"k": 1}]), 400, "table_name_invalid")
    assert api.get("/api/v1/tables/kept").json()["rows"] == [[1]]


# -- SQL ---------------------------------------------------------------------------------------------------
def test_sql_answers_json_or_arrow_with_the_same_rows(api: httpx.Client) -> None:
    query = {"sql": "SELECT id, name, score FROM people ORDER BY id", "limit": 4}
    page = api.post("/api/v1/sql", json=query).json()
    assert page["total"] == 4 and page["columns"] == ["id", "name", "score"]
    table = arrow_of(api.post("/api/v1/sql", json=query, headers={"Accept": ARROW}))
    assert json_rows(table) == page["rows"]


def test_sql_reads_a_snapshot(api: httpx.Client) -> None:
    api.post("/api/v1/tables/sqltravel", json=[{"v": 1}]).raise_for_status()
    first = api.get("/api/v1/snapshots", params={"table": "sqltravel"}).json()[-1]["id"]
    api.post("/api/v1/tables/sqltravel", json=[{"v": 2}]).raise_for_status()
    body = api.post("/api/v1/sql", json={"sql": "SELECT count(*) AS n FROM sqltravel", "as_of": first}).json()
    assert body["rows"] == [[1]]


@pytest.mark.parametrize(
    "statement",
    [
        "DROP TABLE people",
        "COPY people TO '/tmp/hpdp-api-leak.csv'",
        "ATTACH '/tmp/hpdp-api-other.db' AS other",
        "INSTALL httpfs",
        "LOAD httpfs",
        "SELECT * FROM read_csv('/etc/passwd')",
        "SET threads = 1",
        "DELETE FROM people",
        "CREATE TABLE sneaky AS SELECT 1",
    ],
)
def test_sql_that_writes_reads_files_or_changes_settings_is_forbidden(api: httpx.Client, statement: str) -> None:
    assert_problem(api.post("/api/v1/sql", json={"sql": statement}), 403, "read_only_statement")
    assert api.get("/api/v1/tables/people").json()["total"] == 5
    assert not Path("/tmp/hpdp-api-leak.csv").exists()


def test_a_query_past_its_time_is_cancelled(api: httpx.Client) -> None:
    body = assert_problem(
        api.post("/api/v1/sql", json={"sql": "SELECT count(*) FROM range(1000000000000)"}), 504, "query_timeout"
    )
    assert "2 s" in body["detail"]
    assert api.post("/api/v1/sql", json={"sql": "SELECT 1 AS one"}).json()["rows"] == [[1]]  # still serving


def test_bad_sql_and_bad_requests_are_problems(api: httpx.Client) -> None:
    assert_problem(api.post("/api/v1/sql", json={"sql": "SELEC 1"}), 400, "query_invalid")
    assert_problem(api.post("/api/v1/sql", json={"sql": "SELECT * FROM nowhere"}), 404, "table_not_found")
    body = assert_problem(api.post("/api/v1/sql", json={"limit": 3}), 422, "request_invalid")
    assert body["errors"][0]["loc"] == ["body", "sql"]
    assert_problem(api.get("/api/v1/tables/people", params={"limit": -1}), 422, "request_invalid")
    assert_problem(api.get("/api/v1/tables/nope"), 404, "table_not_found")
    assert_problem(api.get("/api/v1/tables/people", params={"as_of": 10_000}), 404, "snapshot_not_found")
    assert_problem(api.get("/api/v1/no/such/path"), 404, "not_found")


# -- sources and loads -------------------------------------------------------------------------------------
def test_an_ingest_starts_in_the_background_and_its_load_is_listed(api: httpx.Client) -> None:
    [source] = [s for s in api.get("/api/v1/sources").json() if s["name"] == "fruit"]
    assert source["kind"] == "memory" and source["table"] == "fruit"
    started = api.post("/api/v1/sources/fruit/ingest")
    assert started.status_code == 202 and started.json()["source"] == "fruit"

    def finished() -> list[dict]:
        return [r for r in api.get("/api/v1/loads", params={"source": "fruit"}).json() if r["status"] != "running"]

    [load] = _wait(finished)
    assert load["status"] == "ok" and load["rows"] == 2 and load["snapshot"] is not None
    assert api.get("/api/v1/tables/fruit").json()["total"] == 2
    assert_problem(api.post("/api/v1/sources/nope/ingest"), 404, "source_not_found")


# -- runs --------------------------------------------------------------------------------------------------
def test_a_queued_run_is_listed_and_found(api: httpx.Client, server: Server) -> None:
    queued = api.post("/api/v1/runs", json={"notebook": str(server.notebook), "parameters": {"x": 7}})
    assert queued.status_code == 202, queued.text
    run = queued.json()
    assert run["status"] == "queued" and run["parameters"] == {"x": 7}
    predicted = run["predicted_duration"]  # no history yet: said plainly, no number
    assert predicted["estimate_s"] is None and predicted["reason"] == "fewer than 3 earlier runs (0 so far)"
    assert api.get(f"/api/v1/runs/{run['id']}").json()["id"] == run["id"]
    assert run["id"] in [r["id"] for r in api.get("/api/v1/runs", params={"notebook": "report.ipynb"}).json()]
    assert api.get("/api/v1/runs", params={"notebook": "other.ipynb"}).json() == []
    assert_problem(api.post("/api/v1/runs", json={"notebook": str(server.notebook), "parameters": {"nope": 1}}),
                   400, "parameter_invalid")  # fmt: skip
    assert_problem(api.post("/api/v1/runs", json={"notebook": "/no/such.ipynb"}), 404, "notebook_not_found")
    assert_problem(api.post("/api/v1/runs", json={"notebook": "a\x00b"}), 404, "notebook_not_found")
    body = {"name": "nul", "notebook": "a\x00b", "cron": "0 6 * * *"}
    assert_problem(api.post("/api/v1/schedules", json=body), 404, "notebook_not_found")
    assert_problem(api.get("/api/v1/runs/nope"), 404, "run_not_found")
    assert_problem(api.get("/api/v1/runs", params={"status": "sleeping"}), 400, "run_status")


# -- schedules ---------------------------------------------------------------------------------------------
def test_schedules_are_added_paused_resumed_and_removed(api: httpx.Client, server: Server) -> None:
    body = {"name": "nightly", "notebook": str(server.notebook), "cron": "0 6 * * *", "parameters": {"x": 2}}
    added = api.post("/api/v1/schedules", json=body)
    assert added.status_code == 201 and added.json()["next_due"] and added.json()["state"] == "active"
    assert_problem(api.post("/api/v1/schedules", json=body), 409, "schedule_exists")
    assert [s["name"] for s in api.get("/api/v1/schedules").json()] == ["nightly"]
    paused = api.post("/api/v1/schedules/nightly/pause").json()
    assert paused["paused"] is True and paused["next_due"] is None
    assert api.post("/api/v1/schedules/nightly/resume").json()["state"] == "active"
    assert api.delete("/api/v1/schedules/nightly").status_code == 204
    assert_problem(api.post("/api/v1/schedules/nightly/pause"), 404, "schedule_not_found")
    assert_problem(api.delete("/api/v1/schedules/nightly"), 404, "schedule_not_found")


def test_next_fire_times_check_a_cron_expression_as_it_is_typed(api: httpx.Client) -> None:
    times = api.get("/api/v1/schedules/next", params={"cron": "*/5 * * * *"}).json()["next"]
    assert len(times) == 5 and all(t[14:16] in {f"{m:02d}" for m in range(0, 60, 5)} for t in times)
    assert_problem(api.get("/api/v1/schedules/next", params={"cron": "every day"}), 400, "schedule_invalid")


# -- experiments -------------------------------------------------------------------------------------------
def test_experiments_list_and_an_unknown_one_is_not_found(api: httpx.Client) -> None:
    assert api.get("/api/v1/experiments").json() == []
    assert_problem(api.get("/api/v1/experiments/nope"), 404, "experiment_not_found")


def test_docs_and_openapi_describe_the_api(api: httpx.Client) -> None:
    spec = api.get("/openapi.json").json()
    assert {"/api/v1/tables/{name}", "/api/v1/sql", "/api/v1/schedules/next"} <= set(spec["paths"])
    assert "swagger" in api.get("/docs").text.lower()


def _wait(probe, timeout: float = 60):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := probe():
            return found
        time.sleep(0.1)
    raise AssertionError("gave up waiting")
