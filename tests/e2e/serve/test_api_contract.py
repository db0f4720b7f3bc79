"""Property-based contract test (schemathesis): generated requests to every REST operation of the OpenAPI
document of a real `hpdp serve` never end in a server error, and every error is a problem document.

Schemathesis's own pytest plugin does not run under pytest 9, so each operation's strategy drives a plain
Hypothesis test here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from tests.e2e.serve.api_server import TOKEN, Server, serve_api

pytestmark = pytest.mark.slow
HEADERS = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serve_api(tmp_path_factory.mktemp("contract") / "ws") as served:
        yield served


def test_no_generated_request_makes_the_server_fail(server: Server) -> None:
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json", headers=HEADERS)
    every = [result.ok() for result in schema.get_all_operations()]
    operations = [op for op in every if op.path.startswith("/api/v1/")]  # the dashboards' paths are Bokeh's
    assert len(operations) > 20
    for operation in operations:

        @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=operation.as_strategy())
        def no_server_error(case: Any) -> None:
            response = case.call(headers=HEADERS)
            case.validate_response(response, checks=[not_a_server_error])
            if response.status_code >= 400:
                assert response.headers["content-type"] == ["application/problem+json"], response.text
                assert response.json()["detail"]

        no_server_error()
