"""A test API over one list of items: every REST pagination style, an OData-style entity set and a
GraphQL endpoint, with faults the tests switch on (500 once, 429 + Retry-After, truncated body, slow or
stalled page, looping or short paginator)."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

BASE = datetime(2024, 1, 1, tzinfo=UTC)


def stamp(minutes: float) -> str:
    return (BASE + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


def item(i: int, minutes: float | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "id": i,
        "name": f"item{i}",
        "updated_at": stamp(i if minutes is None else minutes),
        "price": float(i) + 0.5,
        "tags": [f"t{i % 3}", "all"],
        "owner": {"name": f"o{i % 4}", "zip": f"{1000 + i}"},
        **extra,
    }


@dataclass
class Api:
    """The server's state; tests change it while the server runs."""

    items: list[dict[str, Any]] = field(default_factory=lambda: [item(i) for i in range(1, 26)])
    page_size: int = 10
    faults: list[tuple[int, dict[str, str]]] = field(default_factory=list)  # served first, one per request
    truncate_page: int | None = None
    slow_page: tuple[int, float] | None = None
    stall_page: int | None = None
    stall_started: threading.Event = field(default_factory=threading.Event)
    loop: bool = False
    short: bool = False
    requests: list[str] = field(default_factory=list)

    def select(self, since: str | None) -> list[dict[str, Any]]:
        rows = [r for r in self.items if since is None or r["updated_at"] >= since]
        return sorted(rows, key=lambda r: (r["updated_at"], r["id"]))


def build_app(api: Api) -> Any:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Mount, Route

    def body(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        return Response(orjson.dumps(data), status, headers, media_type="application/json")

    async def faulted(request: Request, page: int) -> Response | None:
        api.requests.append(str(request.url))
        if api.faults:
            status, headers = api.faults.pop(0)
            return body({"error": "injected"}, status, headers)
        if api.stall_page == page:
            api.stall_started.set()
            while api.stall_page == page:
                await asyncio.sleep(0.05)
        if api.slow_page and api.slow_page[0] == page:
            await asyncio.sleep(api.slow_page[1])
        if api.truncate_page == page:
            return Response(b'{"data": [{"id": 1, "na', 200, media_type="application/json")
        return None

    def window(request: Request, page: int) -> tuple[list[dict[str, Any]], int]:
        rows = api.select(request.query_params.get("since"))
        start = (page - 1) * api.page_size
        return rows[start : start + api.page_size], len(rows)

    def link(request: Request, **params: Any) -> str:
        return str(request.url.include_query_params(**params))

    async def next_link(request: Request) -> Response:
        page = int(request.query_params.get("page", 1))
        if fault := await faulted(request, page):
            return fault
        rows, total = window(request, page)
        more = page * api.page_size < total and not (api.short and page == 1)
        nxt = link(request, page=page if api.loop else page + 1) if more else None
        return body({"data": rows, "next": nxt, "meta": {"total": total}})

    async def link_header(request: Request) -> Response:
        page = int(request.query_params.get("page", 1))
        if fault := await faulted(request, page):
            return fault
        rows, total = window(request, page)
        headers = {"Link": f'<{link(request, page=page + 1)}>; rel="next"'} if page * api.page_size < total else {}
        return body(rows, headers=headers)

    async def cursor(request: Request) -> Response:
        page = int(request.query_params.get("cursor", "c1")[1:])
        if fault := await faulted(request, page):
            return fault
        rows, total = window(request, page)
        token = f"c{page if api.loop else page + 1}" if page * api.page_size < total else None
        return body({"items": rows, "next_cursor": token})

    async def offset(request: Request) -> Response:
        start, limit = int(request.query_params["offset"]), int(request.query_params["limit"])
        if fault := await faulted(request, start // max(limit, 1) + 1):
            return fault
        rows = api.select(request.query_params.get("since"))
        return body({"results": rows[start : start + limit], "count": len(rows)})

    async def numbered(request: Request) -> Response:
        page = int(request.query_params.get("page", 1))
        if fault := await faulted(request, page):
            return fault
        rows, _ = window(request, 1 if api.loop else page)
        return body({"data": rows})

    async def odata(request: Request) -> Response:
        skip = int(request.query_params.get("$skiptoken", 0))
        if fault := await faulted(request, skip // api.page_size + 1):
            return fault
        rows = api.select(None)
        condition = request.query_params.get("$filter")
        if condition:
            name, op, value = condition.split(" ", 2)
            assert op == "ge", condition
            value = value.strip("'")
            rows = [r for r in rows if r[name] >= (value if isinstance(r[name], str) else type(r[name])(value))]
        selected = request.query_params.get("$select")
        page = rows[skip : skip + api.page_size]
        if selected:
            page = [{k: r[k] for k in selected.split(",")} for r in page]
        out: dict[str, Any] = {"@odata.context": "$metadata#Items", "value": page}
        if request.query_params.get("$count") == "true":
            out["@odata.count"] = len(rows) + (5 if api.short else 0)
        if skip + api.page_size < len(rows):
            out["@odata.nextLink"] = link(request, **{"$skiptoken": skip + api.page_size})
        return body(out)

    return Starlette(
        routes=[
            Route("/next_link", next_link),
            Route("/link_header", link_header),
            Route("/cursor", cursor),
            Route("/offset", offset),
            Route("/page", numbered),
            Route("/odata/Items", odata),
            Mount("/graphql", graphql_app(api)),
        ]
    )


def graphql_app(api: Api) -> Any:
    from tests.integration.sources.gql import graphql_app as build

    return build(api)
