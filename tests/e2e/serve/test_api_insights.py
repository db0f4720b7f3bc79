"""Findings over a real `hpdp serve`: REST and GraphQL list them and dismiss one; a dismissal holds."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.serve.api_server import Server, serve_api
from tests.unit.insights.histories import durations, executions

SLOW = ("jobs/rest.ipynb", "jobs/graphql.ipynb")  # one regressed notebook per door, so the tests stand alone


def seed_findings(home: Path) -> None:
    """Two notebooks that ran 12 times at a baseline, then 4 times 30% slower, in the workspace's ledger."""
    from hpdp.infrastructure.container import Container
    from hpdp.infrastructure.settings import Settings

    home.mkdir(parents=True, exist_ok=True)
    with Container(Settings(home=home, tracker="memory")) as c:
        for seed, subject in enumerate(SLOW):
            history = executions(durations(seed, 12, noise=0.03, step=0.3, after=4), subject=subject)
            c.ledger().record_many([e.but(id=f"{subject}-{e.id}") for e in history])
        c.insights().refresh()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("insights") / "ws"
    seed_findings(home)
    with serve_api(home) as served:
        yield served


@pytest.fixture
def api(server: Server) -> Iterator[httpx.Client]:
    with server.client() as client:
        yield client


def regression_of(findings: list[dict[str, Any]], subject: str) -> dict[str, Any]:
    [found] = [f for f in findings if f["subject"] == subject and f["kind"] == "duration_regression"]
    return found


def test_rest_lists_open_findings_and_a_dismissed_one_only_with_all(api: httpx.Client) -> None:
    listed = api.get("/api/v1/insights")
    assert listed.status_code == 200, listed.text
    finding = regression_of(listed.json(), SLOW[0])
    assert finding["status"] == "open" and finding["since"] == "r12"  # the first slow run
    assert {"id", "severity", "message", "evidence"} <= set(finding) and "slower" in finding["message"]
    done = api.post(f"/api/v1/insights/{finding['id']}/dismiss")
    assert done.status_code == 200 and done.json()["status"] == "dismissed"
    assert all(f["id"] != finding["id"] for f in api.get("/api/v1/insights").json())
    every = api.get("/api/v1/insights", params={"all": "true"}).json()
    assert regression_of(every, SLOW[0])["status"] == "dismissed"


def test_rest_dismissing_an_unknown_finding_is_a_404_with_one_sentence(api: httpx.Client) -> None:
    missing = api.post("/api/v1/insights/nope/dismiss")
    assert missing.status_code == 404
    assert "No finding has the id 'nope'" in missing.text


def test_graphql_lists_findings_and_dismisses_one(api: httpx.Client) -> None:
    def gql(query: str, **variables: Any) -> dict[str, Any]:
        response = api.post("/graphql", json={"query": query, "variables": variables})
        assert response.status_code == 200, response.text
        assert "errors" not in response.json(), response.text
        return response.json()["data"]

    listed = gql("{ insights { id kind subject severity status message since evidence } }")["insights"]
    finding = regression_of(listed, SLOW[1])
    dismissed = gql("mutation($id: String!) { dismissInsight(id: $id) { id status } }", id=finding["id"])
    assert dismissed["dismissInsight"] == {"id": finding["id"], "status": "dismissed"}
    assert all(f["id"] != finding["id"] for f in gql("{ insights { id } }")["insights"])
    every = gql("{ insights(all: true) { id kind subject status } }")["insights"]
    assert regression_of(every, SLOW[1])["status"] == "dismissed"
