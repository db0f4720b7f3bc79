"""GraphQL at /graphql (Strawberry): the workspace's metadata, run and schedule changes, and live events.

No bulk rows here: table data goes through REST pages, Arrow streams and Flight.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import APIRouter


def router() -> APIRouter:
    from strawberry.fastapi import GraphQLRouter
    from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

    from hpdp.presentation.web.graphql.schema import build_schema

    return GraphQLRouter(build_schema(), subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL])
