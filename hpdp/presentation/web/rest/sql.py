"""`POST /sql`: outside SQL, read-only, with the service's row and time limits."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from hpdp.presentation.web.rest import data
from hpdp.presentation.web.rest.deps import container

router = APIRouter(tags=["sql"])


class SqlRequest(BaseModel):
    sql: Annotated[str, Field(description="one read-only statement")]
    limit: Annotated[int | None, Field(ge=0, description="rows at most (capped by the server)")] = None
    as_of: Annotated[int | None, Field(description="snapshot to query")] = None


@router.post("/sql", responses={200: {"content": {data.ARROW_STREAM: {}}, "description": "JSON, or Arrow by Accept"}})
def run_sql(request: Request, body: SqlRequest) -> Response:
    """Run a read-only query: writes, files, extensions and settings are refused (403)."""
    result = container(request).queries().sql(body.sql, limit=body.limit, as_of=body.as_of)
    if data.wants_arrow(request):
        return data.arrow_table(result)
    return data.page(result, total=result.num_rows, limit=body.limit, offset=0)
