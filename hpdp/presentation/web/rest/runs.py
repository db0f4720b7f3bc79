"""Notebook runs: list, one, and queue a new one."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from starlette.responses import JSONResponse

from hpdp.presentation.web import shapes
from hpdp.presentation.web.rest.deps import container

router = APIRouter(tags=["runs"])


class RunBody(BaseModel):
    notebook: Annotated[str, Field(description="path of the .ipynb on the server")]
    parameters: dict[str, Any] = Field(default_factory=dict)
    experiment: str | None = None
    timeout_s: Annotated[float | None, Field(gt=0)] = None


@router.get("/runs")
def list_runs(
    request: Request,
    status: str | None = None,
    notebook: Annotated[str | None, Query(description="notebook path or file name")] = None,
    schedule: str | None = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 30,
) -> list[dict[str, Any]]:
    """Runs, newest first."""
    runs = container(request).runs()
    records = runs.list_runs(status=status, schedule=schedule, notebook=notebook, limit=limit)
    return [shapes.run(r) for r in records]


@router.get("/runs/{run_id}")
def get_run(request: Request, run_id: str) -> dict[str, Any]:
    return shapes.run(container(request).runs().get(run_id))


@router.post("/runs", status_code=202)
def queue_run(request: Request, body: RunBody) -> JSONResponse:
    """Check the parameters against the notebook and queue the run; `run.*` events follow it."""
    return JSONResponse(shapes.run(submit(request, body)), status_code=202)


def submit(request: Request, body: RunBody) -> Any:
    from hpdp.domain.runs import RunRequest

    run = RunRequest(body.notebook, dict(body.parameters), experiment=body.experiment, timeout_s=body.timeout_s)
    return container(request).runs().submit(run)
