"""GraphQL of a real `hpdp serve`: queries, mutations, errors and the `events` subscription."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect

from tests.e2e.serve.api_server import TOKEN, Server, serve_api
from tests.e2e.serve.events_client import until, writer


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serve_api(tmp_path_factory.mktemp("graphql") / "ws") as served:
        yield served


@pytest.fixture
def api(server: Server) -> Iterator[httpx.Client]:
    with server.client() as client:
        yield client


def gql(api: httpx.Client, query: str, **variables: Any) -> dict[str, Any]:
    response = api.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    return response.json()


def test_tables_with_rows_and_schema(api: httpx.Client) -> None:
    body = gql(api, '{ tables { name rows schema { name type } } table(name: "people") { rows } }')
    tables = {t["name"]: t for t in body["data"]["tables"]}
    assert tables["people"]["rows"] == 5 and tables["people"]["schema"][0] == {"name": "id", "type": "BIGINT"}
    assert body["data"]["table"]["rows"] == 5


def test_snapshots_sources_loads_runs_and_experiments(api: httpx.Client) -> None:
    query = (
        '{ snapshots(table: "people") { id time tables } sources { name kind lastLoad { rows } } '
        'loads { source } runs { id } experiments { name } nextFireTimes(cron: "0 * * * *", n: 2) }'
    )
    body = gql(api, query)
    data = body["data"]
    assert data["snapshots"][0]["tables"] == ["people"]
    assert data["sources"] == [{"name": "fruit", "kind": "memory", "lastLoad": None}]
    assert data["loads"] == [] and data["runs"] == [] and data["experiments"] == []
    assert [t[14:16] for t in data["nextFireTimes"]] == ["00", "00"]


def test_schedule_mutations_and_a_queued_run(api: httpx.Client, server: Server) -> None:
    added = gql(
        api,
        "mutation($s: ScheduleInput!) { addSchedule(schedule: $s) { name state nextDue parameters } }",
        s={"name": "hourly", "notebook": str(server.notebook), "cron": "0 * * * *", "parameters": {"x": 4}},
    )["data"]["addSchedule"]
    assert added == {**added, "name": "hourly", "state": "active", "parameters": {"x": 4}} and added["nextDue"]
    paused = gql(api, 'mutation { pauseSchedule(name: "hourly") { paused nextDue } }')["data"]["pauseSchedule"]
    assert paused == {"paused": True, "nextDue": None}
    assert (
        gql(api, 'mutation { resumeSchedule(name: "hourly") { state } }')["data"]["resumeSchedule"]["state"] == "active"
    )
    assert gql(api, "{ schedules { name } }")["data"]["schedules"] == [{"name": "hourly"}]
    assert gql(api, 'mutation { removeSchedule(name: "hourly") }')["data"]["removeSchedule"] is True
    run = gql(api, "mutation($nb: String!) { queueRun(notebook: $nb, parameters: {x: 5}) { id status parameters } }",
              nb=str(server.notebook))["data"]["queueRun"]  # fmt: skip
    assert run["status"] == "queued" and run["parameters"] == {"x": 5}
    assert gql(api, "query($id: String!) { run(id: $id) { id } }", id=run["id"])["data"]["run"]["id"] == run["id"]


def test_errors_carry_the_code_hint_and_status_of_a_problem(api: httpx.Client) -> None:
    [error] = gql(api, '{ table(name: "nope") { rows } }')["errors"]
    assert error["extensions"]["code"] == "table_not_found" and error["extensions"]["status"] == 404
    assert error["message"].startswith("Table 'nope' does not exist")
    [error] = gql(api, 'mutation { pauseSchedule(name: "nope") { paused } }')["errors"]
    assert error["extensions"]["code"] == "schedule_not_found"


def test_no_bulk_rows_are_offered(api: httpx.Client) -> None:
    fields = gql(api, '{ __type(name: "Table") { fields { name } } }')["data"]["__type"]["fields"]
    assert {f["name"] for f in fields} == {"name", "rows", "schema"}


def test_the_events_subscription_receives_a_write(api: httpx.Client, server: Server) -> None:
    with connect(f"{server.ws}/graphql", subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
                 additional_headers={"Authorization": f"Bearer {TOKEN}"}) as ws:  # fmt: skip
        ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(ws.recv(30))["type"] == "connection_ack"
        query = 'subscription { events(types: ["snapshot.created"]) { type at ids } }'
        ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
        message, _ = until(ws.recv, lambda m: m["type"] == "next", nudge=writer(api, "subscribed"))
    event = message["payload"]["data"]["events"]
    assert event["type"] == "snapshot.created" and "subscribed" in event["ids"]["tables"]
