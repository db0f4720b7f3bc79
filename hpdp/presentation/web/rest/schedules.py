"""Schedules: list, add, pause, resume, remove, and the next fire times of a cron expression."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from starlette.responses import JSONResponse, Response

from hpdp.domain.runs import MissedPolicy
from hpdp.presentation.web import shapes
from hpdp.presentation.web.rest.deps import container

router = APIRouter(tags=["schedules"])


class ScheduleBody(BaseModel):
    name: str
    notebook: Annotated[str, Field(description="path of the .ipynb on the server")]
    cron: Annotated[str, Field(description="'0 6 * * *'; a sixth field gives seconds")]
    tz: str = "UTC"
    parameters: dict[str, Any] = Field(default_factory=dict)
    missed: MissedPolicy = MissedPolicy.RUN_ONCE
    allow_overlap: bool = False
    retries: int = 0
    backoff_s: float = 60.0
    timeout_s: float | None = None


@router.get("/schedules")
def list_schedules(request: Request) -> list[dict[str, Any]]:
    """Schedules with their next due time (UTC; null while paused)."""
    return [shapes.schedule_view(v) for v in container(request).schedules().list_schedules()]


@router.get("/schedules/next")
def next_fire_times(
    request: Request, cron: str, tz: str = "UTC", n: Annotated[int, Query(ge=1, le=50)] = 5
) -> dict[str, Any]:
    """The next fire times of a cron expression from now (to check one as it is typed)."""
    times = container(request).schedules().next_fire_times(cron, tz, n)
    return {"cron": cron, "tz": tz, "next": [shapes.when(t) for t in times]}


@router.get("/schedules/{name}")
def get_schedule(request: Request, name: str) -> dict[str, Any]:
    return shapes.schedule_view(container(request).schedules().get(name))


@router.post("/schedules", status_code=201)
def add_schedule(request: Request, body: ScheduleBody) -> JSONResponse:
    """Add a schedule (checked against the notebook); a scheduler process fires it."""
    return JSONResponse(shapes.schedule_view(add(request, body)), status_code=201)


def add(request: Request, body: ScheduleBody) -> Any:
    from hpdp.domain.runs import Schedule

    return container(request).schedules().add(Schedule(**body.model_dump()))


@router.post("/schedules/{name}/pause")
def pause(request: Request, name: str) -> dict[str, Any]:
    service = container(request).schedules()
    service.pause(name)
    return shapes.schedule_view(service.get(name))


@router.post("/schedules/{name}/resume")
def resume(request: Request, name: str) -> dict[str, Any]:
    service = container(request).schedules()
    service.resume(name)
    return shapes.schedule_view(service.get(name))


@router.delete("/schedules/{name}", status_code=204)
def remove(request: Request, name: str) -> Response:
    container(request).schedules().remove(name)
    return Response(status_code=204)
