"""`GET /platform`: the parts `hpdp up` runs, their state and their restarts (from the workspace's status)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from hpdp.infrastructure.platform_status import read_status
from hpdp.presentation.web.rest.deps import container

router = APIRouter(tags=["platform"])


@router.get("/platform")
def platform(request: Request) -> dict[str, Any]:
    """Whether `hpdp up` runs; each part's state, process id, restarts and log; the newest restarts first."""
    return read_status(container(request).settings.resolved_home())
