"""Findings drawn from the execution ledger: list them, dismiss one."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from hpdp.presentation.web import shapes
from hpdp.presentation.web.rest.deps import container

router = APIRouter(tags=["insights"])


@router.get("/insights")
def list_insights(
    request: Request, all: Annotated[bool, Query(description="every finding, whatever its status")] = False
) -> list[dict[str, Any]]:
    """The open findings (most severe first); with `all=true` also accepted, dismissed and resolved ones."""
    return [shapes.finding(f) for f in container(request).insights().listing(all)]


@router.post("/insights/{finding_id}/dismiss")
def dismiss_insight(request: Request, finding_id: str) -> dict[str, Any]:
    """Dismiss a finding: it is not raised again for the same evidence."""
    return shapes.finding(container(request).insights().dismiss(finding_id))
