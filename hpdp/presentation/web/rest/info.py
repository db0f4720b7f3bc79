"""`GET /info`: what a client needs to connect (no secrets)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from hpdp.presentation.web.rest.deps import container, state

router = APIRouter(tags=["info"])


@router.get("/info")
def info(request: Request) -> dict[str, Any]:
    """Version, the engine, the Arrow Flight port (null when Flight is off) and whether a token is needed."""
    from importlib.metadata import version

    settings = container(request).settings
    return {
        "version": version("hpdp"),
        "engine": settings.db_engine,
        "flight_port": state(request, "flight_port"),
        "token_required": bool(state(request, "token")),
        "api": "/api/v1",
        "graphql": "/graphql",
        "events": "/ws/events",
    }
