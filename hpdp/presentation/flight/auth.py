"""Bearer tokens: with a token set, every call carries `authorization: Bearer <token>` or is refused."""

from __future__ import annotations

import hmac
import json
from typing import Any

import pyarrow.flight as flight

REFUSED = "This server needs a token: send the header `authorization: Bearer <token>`."


class BearerAuthFactory(flight.ServerMiddlewareFactory):
    """Checks the header before any handler runs (listing, reads, writes and schemas alike)."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self._expected = f"Bearer {token}".encode()

    def start_call(self, info: flight.CallInfo, headers: dict[str, list[Any]]) -> None:
        values = headers.get("authorization", [])
        if not any(hmac.compare_digest(_bytes(value), self._expected) for value in values):
            fields = {"code": "unauthenticated", "kind": "invalid_input", "message": REFUSED}
            raise flight.FlightUnauthenticatedError(REFUSED, extra_info=json.dumps(fields).encode())
        return None


def _bytes(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode()
