"""Sources of the catalog, their loads, and loads started in the background."""

from __future__ import annotations

import logging
import threading
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import JSONResponse

from hpdp.presentation.web import shapes
from hpdp.presentation.web.rest.deps import container

router = APIRouter(tags=["sources"])
log = logging.getLogger("hpdp.web")


@router.get("/sources")
def list_sources(request: Request) -> list[dict[str, Any]]:
    """The catalog's sources with their last load."""
    ingestion = container(request).ingestion()
    last = ingestion.last_loads()
    return [shapes.source(name, spec, last.get(name)) for name, spec in sorted(ingestion.specs().items())]


@router.post("/sources/{name}/ingest", status_code=202)
def start_ingest(request: Request, name: str, full_refresh: bool = False) -> JSONResponse:
    """Start loading a source in the background; `load.*` events and `GET /loads` tell how it went."""
    ingestion = container(request).ingestion()
    ingestion.spec(name)  # an unknown source is a 404 now, not a failure later

    def load() -> None:
        try:
            ingestion.ingest(name, full_refresh=full_refresh)
        except Exception as exc:  # recorded as a failed load (history and event) by the service
            log.warning("loading source %s failed: %s", name, exc)

    threading.Thread(target=load, name=f"hpdp-ingest-{name}", daemon=True).start()
    body = {"source": name, "status": "started", "loads": f"/api/v1/loads?source={name}"}
    return JSONResponse(body, status_code=202)


@router.get("/loads")
def list_loads(
    request: Request, source: str | None = None, limit: Annotated[int, Query(ge=1, le=10_000)] = 50
) -> list[dict[str, Any]]:
    """Load history, newest first."""
    return [shapes.load(r) for r in container(request).ingestion().loads(source, limit=limit)]
