"""Calling a service from a resolver: off the event loop, with hpdp's errors as GraphQL errors.

A GraphQL error carries the same fields as a REST problem in its extensions: code, hint and the HTTP status
that problems.py gives the error. Anything unexpected is logged and reported without internals.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from graphql import GraphQLError
from starlette.concurrency import run_in_threadpool

from hpdp.domain.errors import HpdpError, redact
from hpdp.presentation.web.problems import log, status_of

T = TypeVar("T")


def container(info: Any) -> Any:
    return info.context["request"].app.state.container


async def call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    try:
        return await run_in_threadpool(functools.partial(fn, *args, **kwargs))
    except HpdpError as exc:
        extensions = {"code": exc.code, "status": status_of(exc), "hint": exc.hint}
        raise GraphQLError(exc.sentence, extensions={k: v for k, v in extensions.items() if v}) from None
    except Exception as exc:
        log.error("a GraphQL resolver failed: %s", redact(str(exc)), exc_info=exc)
        raise GraphQLError(
            "The server could not answer this field; its log says why.",
            extensions={"code": "internal_error", "status": 500},
        ) from None
