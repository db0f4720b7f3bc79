"""The demo API as an ASGI app: REST flights, GraphQL weather and a WebSocket feed of new flights.

- `GET /flights?since=&per_page=`: flights updated strictly after `since`, oldest first, in pages; each
  body holds `data`, `total` (rows of the whole answer) and `next` (a link that pins the rows visible at the
  first page, so the total holds while new rows arrive).
- `POST /graphql`: `weather(first, after, since)`, see graphql.py.
- `WS /flights/live`: send `{"type": "subscribe", "since": ...}` (no `since`: from now on); the server sends
  `{"type": "flights", "data": [...]}` with every flight released after it.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Query, WebSocket, WebSocketDisconnect
from fastapi.responses import JSONResponse

from hpdp.presentation.demo_api.replay import Replay, parse_moment

MAX_PAGE = 5000
FEED_CHUNK = 500
FEED_POLL_S = 0.2


def _since(text: str | None) -> datetime | None:
    if not text:
        return None
    return parse_moment(text)


def build_app(replay: Replay) -> FastAPI:
    app = FastAPI(title="hpdp demo API", docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/")
    def index() -> dict[str, Any]:
        return {
            "flights_released": replay.released(),
            "flights_total": replay.flights.num_rows,
            "endpoints": {"rest": "/flights", "graphql": "/graphql", "websocket": "/flights/live"},
        }

    @app.get("/flights", response_model=None)
    def flights(
        since: str | None = None,
        page: int = Query(1, ge=1),
        per_page: int = Query(500, ge=1, le=MAX_PAGE),
        upto: int | None = Query(None, ge=0),
    ) -> dict[str, Any] | JSONResponse:
        try:
            moment = _since(since)
        except ValueError:
            return JSONResponse({"error": f"since {since!r} is not an ISO-8601 timestamp"}, status_code=400)
        horizon = min(replay.released(), replay.flights.num_rows if upto is None else upto)
        first = replay.first_after(moment, horizon)
        start = first + (page - 1) * per_page
        stop = min(start + per_page, horizon)
        more = stop < horizon
        query = {"page": page + 1, "per_page": per_page, "upto": horizon, **({"since": since} if since else {})}
        link = f"/flights?{urlencode(query)}"
        return {
            "data": replay.flight_rows(start, stop),
            "total": horizon - first,
            "next": link if more else None,
        }

    app.include_router(_graphql(replay), prefix="/graphql")

    @app.websocket("/flights/live")
    async def live(ws: WebSocket) -> None:
        await ws.accept()
        try:
            message = await ws.receive_json()
            since = message.get("since") if isinstance(message, dict) else None
            try:
                sent = replay.first_after(_since(since), replay.released()) if since else replay.released()
            except ValueError:
                await ws.close(code=1003, reason="since is not an ISO-8601 timestamp")
                return
            while True:
                out = replay.released()
                while sent < out:
                    stop = min(sent + FEED_CHUNK, out)
                    await ws.send_json({"type": "flights", "data": replay.flight_rows(sent, stop)})
                    sent = stop
                if sent >= replay.flights.num_rows:
                    await ws.send_json({"type": "complete"})
                    await ws.close()
                    return
                await asyncio.sleep(FEED_POLL_S)
        except WebSocketDisconnect:
            return

    return app


def _graphql(replay: Replay) -> Any:
    from hpdp.presentation.demo_api.graphql import graphql_router

    return graphql_router(replay)
