"""REST under /api/v1: one router per resource, each a thin door onto an application service."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import APIRouter

PREFIX = "/api/v1"


def router() -> APIRouter:
    from fastapi import APIRouter

    from hpdp.presentation.web.rest import (
        experiments,
        info,
        insights,
        platform,
        runs,
        schedules,
        sources,
        sql,
        tables,
    )

    api = APIRouter(prefix=PREFIX)
    for module in (info, platform, tables, sql, sources, runs, schedules, experiments, insights):
        api.include_router(module.router)
    return api
