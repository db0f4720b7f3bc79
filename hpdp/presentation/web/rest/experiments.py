"""Experiments: their names, and one experiment's parameter combinations ranked by a metric."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from hpdp.presentation.web.rest.deps import container

router = APIRouter(tags=["experiments"])


@router.get("/experiments")
def list_experiments(request: Request) -> list[dict[str, Any]]:
    return [{"name": name} for name in container(request).experiments().names()]


@router.get("/experiments/{name}")
def compare(request: Request, name: str, metric: str | None = None, descending: bool = False) -> dict[str, Any]:
    """The ranking: per parameter combination, runs, failures and the metric's mean, min and max."""
    rows = container(request).experiments().compare(name, metric, descending=descending)
    return {"name": name, "metric": metric, "ranking": rows}
