"""Errors as `application/problem+json` (RFC 9457): the one place HTTP maps hpdp's error contract.

The status comes from the error's category, or from its code where a code says more than its category
(a refused statement is forbidden, a query past its time is a timeout). Anything else is a 500 that shows
no internals; the log keeps its traceback.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from hpdp.domain.errors import ErrorKind, HpdpError, redact

if TYPE_CHECKING:
    from fastapi import FastAPI, Request
    from fastapi.exceptions import RequestValidationError
    from starlette.responses import Response

log = logging.getLogger("hpdp.web")

MEDIA_TYPE = "application/problem+json"

STATUS_BY_KIND: dict[ErrorKind, int] = {
    ErrorKind.INVALID_INPUT: 400,
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.CONFLICT: 409,
    ErrorKind.UNAVAILABLE: 503,
    ErrorKind.UNSUPPORTED: 501,
    ErrorKind.FAILED_TASK: 500,
}

STATUS_BY_CODE: dict[str, int] = {
    "read_only_statement": 403,
    "query_timeout": 504,
}


def status_of(exc: HpdpError) -> int:
    return STATUS_BY_CODE.get(exc.code, STATUS_BY_KIND[exc.kind])


def problem(status: int, code: str, detail: str, hint: str | None = None, **extra: Any) -> Response:
    """A problem response; `type` names the error code, `title` the status."""
    from starlette.responses import JSONResponse

    body: dict[str, Any] = {
        "type": f"urn:hpdp:error:{code}",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if hint:
        body["hint"] = hint
    body.update(extra)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def from_error(exc: HpdpError) -> Response:
    sentence = exc.sentence if exc.sentence.endswith((".", "?", "!")) else f"{exc.sentence}."
    return problem(status_of(exc), exc.code, sentence, exc.hint)


def unexpected(exc: BaseException, where: str) -> Response:
    """A 500 that says nothing of the failure's internals; the log has them."""
    from hpdp.infrastructure import extras

    if isinstance(exc, ModuleNotFoundError) and (missing := extras.missing_extra_message(exc.name)):
        return problem(501, "extra_missing", missing)
    log.error("%s failed: %s", where, redact(str(exc)), exc_info=exc)
    return problem(500, "internal_error", "The server could not handle the request; its log says why.")


def install(app: FastAPI) -> None:
    """Every error an endpoint raises leaves as a problem."""
    from fastapi.exceptions import RequestValidationError
    from starlette.exceptions import HTTPException

    async def hpdp_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HpdpError)
        return from_error(exc)

    async def invalid_request(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return problem(422, "request_invalid", validation_sentence(exc), errors=_plain(exc.errors()))

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        status = exc.status_code
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(status).phrase
        code = {404: "not_found", 405: "method_not_allowed"}.get(status, f"http_{status}")
        return problem(status, code, detail if detail.endswith(".") else f"{detail}.")

    async def other(request: Request, exc: Exception) -> Response:
        return unexpected(exc, f"{request.method} {request.url.path}")

    app.add_exception_handler(HpdpError, hpdp_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(Exception, other)


def validation_sentence(exc: RequestValidationError) -> str:
    """The first problem of a request as one sentence: where, and what is wrong."""
    errors = exc.errors()
    if not errors:
        return "The request is not valid."
    first = errors[0]
    where = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or "the body"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where}: {first.get('msg', 'not valid')}{more}."


def _plain(errors: Any) -> list[dict[str, Any]]:
    """Validation errors without the submitted values (which may hold secrets) or exception objects."""
    return [
        {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", "")), "type": e.get("type")} for e in errors
    ]
