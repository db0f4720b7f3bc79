"""What endpoints take from the app: the one container the server holds."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from starlette.requests import HTTPConnection

    from hpdp.infrastructure.container import Container


def container(request: HTTPConnection) -> Container:
    held: Container = request.app.state.container
    return held


def state(request: HTTPConnection, name: str, default: Any = None) -> Any:
    return getattr(request.app.state, name, default)
