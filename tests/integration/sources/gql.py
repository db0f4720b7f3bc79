"""The GraphQL side of the test API (strawberry resolves types from module scope, so they live here)."""

from typing import Any

import strawberry
from strawberry.asgi import GraphQL
from strawberry.types import Info


@strawberry.type
class Owner:
    name: str
    zip: str


@strawberry.type
class Item:
    id: int
    name: str
    updated_at: str
    price: float
    tags: list[str]
    owner: Owner


@strawberry.type
class PageInfo:
    end_cursor: str | None
    has_next_page: bool


@strawberry.type
class Edge:
    cursor: str
    node: Item


@strawberry.type
class Connection:
    total_count: int
    edges: list[Edge]
    page_info: PageInfo


def make(r: dict[str, Any]) -> Item:
    fields = {k: r[k] for k in ("id", "name", "updated_at", "price", "tags")}
    return Item(**fields, owner=Owner(**r["owner"]))


@strawberry.type
class Query:
    @strawberry.field
    def items(self, info: Info, first: int = 10, after: str | None = None, since: str | None = None) -> Connection:
        api = info.context["api"]
        rows = api.select(since)
        start = 0 if after is None or api.loop else int(after) + 1
        chunk = rows[start : start + first]
        edges = [Edge(cursor=str(start + i), node=make(r)) for i, r in enumerate(chunk)]
        more = start + first < len(rows) and not (api.short and start == 0)
        end = edges[-1].cursor if edges else None
        return Connection(total_count=len(rows), edges=edges, page_info=PageInfo(end_cursor=end, has_next_page=more))


class _App(GraphQL):
    def __init__(self, api: Any) -> None:
        super().__init__(strawberry.Schema(query=Query))
        self.api = api

    async def get_context(self, request: Any, response: Any) -> dict[str, Any]:
        return {"api": self.api, "request": request, "response": response}


def graphql_app(api: Any) -> Any:
    return _App(api)
