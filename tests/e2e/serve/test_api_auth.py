"""The token of `hpdp serve`: every endpoint refuses a caller without it, the dashboard cookie, no token in
answers or logs, and no serving beyond this machine without one."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.e2e.runs_cli import env_for
from tests.e2e.serve.api_server import TOKEN, Server, serve_api


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serve_api(tmp_path_factory.mktemp("auth") / "ws") as served:
        yield served


def every_operation(server: Server) -> list[tuple[str, str]]:
    """Each path and method of the OpenAPI document, path parameters filled in."""
    with server.client() as api:
        spec = api.get("/openapi.json").json()
    out = []
    for path, methods in spec["paths"].items():
        for method in methods:
            out.append((method.upper(), re.sub(r"\{[^}]+\}", "people", path)))
    return out


@pytest.mark.parametrize("token", [None, "wrong-token", TOKEN.upper()])
def test_every_endpoint_answers_401_and_no_data_without_the_right_token(server: Server, token: str | None) -> None:
    operations = [*every_operation(server), ("GET", "/docs"), ("GET", "/openapi.json"), ("GET", "/"),
                  ("GET", "/login"), ("POST", "/graphql"), ("GET", "/graphql")]  # fmt: skip
    assert len(operations) > 25
    with server.client(token) as api:
        for method, path in operations:
            response = api.request(method, path, json={"query": "{ tables { name } }"})
            assert response.status_code == 401, (method, path, response.text)
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["code"] == "token_required" and "people" not in response.text
    for path in ("/ws/events", "/graphql"):
        with pytest.raises(InvalidStatus) as refused:
            connect(f"{server.ws}{path}", additional_headers={"Authorization": f"Bearer {token}"} if token else None)
        assert refused.value.response.status_code == 401


def test_the_right_token_opens_every_door(server: Server) -> None:
    with server.client() as api:
        assert api.get("/api/v1/tables").status_code == 200
        assert api.get("/docs").status_code == 200
        assert api.post("/graphql", json={"query": "{ tables { name } }"}).json()["data"]["tables"]
    with connect(f"{server.ws}/ws/events?token={TOKEN}") as ws:
        ws.ping().wait(10)
    with connect(f"{server.ws}/ws/events", additional_headers={"Authorization": f"Bearer {TOKEN}"}) as ws:
        ws.ping().wait(10)


@pytest.mark.parametrize("entry", ["/", "/login"])
def test_a_browser_gets_a_cookie_once_from_the_token_in_the_address(server: Server, entry: str) -> None:
    with server.client(None) as browser:
        answer = browser.get(entry, params={"token": TOKEN, "keep": "1"})
        assert answer.status_code == 303
        assert answer.headers["location"] == "/?keep=1"  # the page itself, without the token
        cookie = answer.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and TOKEN not in cookie
        assert TOKEN not in answer.text and TOKEN not in str(answer.headers)
        assert browser.get("/api/v1/info").status_code == 200  # the cookie alone lets it in
    with server.client(None) as forger:
        assert forger.get("/api/v1/info", headers={"Cookie": "hpdp_session=forged"}).status_code == 401
        assert forger.get("/api/v1/info").status_code == 401
        assert forger.get("/", params={"token": "wrong"}).status_code == 401


def test_the_token_is_in_no_answer_and_no_log_line(server: Server) -> None:
    with server.client() as api:
        api.get("/api/v1/nope", params={"token": TOKEN})
        bodies = [api.get(p).text for p in ("/api/v1/info", "/openapi.json", "/docs")]
    assert all(TOKEN not in b for b in bodies)
    assert TOKEN not in server.output()


def test_serving_beyond_this_machine_without_a_token_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = env_for(tmp_path / "ws")
    done = subprocess.run(
        [sys.executable, "-m", "hpdp", "serve", "--host", "0.0.0.0", "--port", "0", "--no-flight"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "Error: Serving on 0.0.0.0 reaches other machines, so a token is required; pass --token or set "
        "HPDP_SERVE_TOKEN."
    ]
    assert "http://" not in done.stdout
