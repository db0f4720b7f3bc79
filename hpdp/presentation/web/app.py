"""The ASGI app of `hpdp serve`: REST under /api/v1, GraphQL, the event socket, and the dashboards.

One container serves every request; each read takes its own store session from it. The app owns no
state of its own beyond the event hub, and closes nothing it did not open (the caller closes the container).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

    from hpdp.infrastructure.container import Container
    from hpdp.infrastructure.settings import Settings


def create_app(
    container: Container,
    settings: Settings,
    *,
    pages: Callable[[FastAPI], None] | None = None,
    flight_port: int | None = None,
    cors_origins: Sequence[str] = (),
) -> FastAPI:
    """The app; `pages` adds the dashboards (called last, so the API's paths win), `flight_port` is shown by
    `/api/v1/info`, `cors_origins` allows browsers of other origins (none by default)."""
    from importlib.metadata import version

    from fastapi import FastAPI

    from hpdp.presentation.web import events, graphql, problems, rest
    from hpdp.presentation.web.auth import LOGIN_PATH, TokenGate

    hub = events.EventHub(container.event_feed)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            hub.close()

    app = FastAPI(
        title="hpdp",
        version=version("hpdp"),
        summary="Tables, SQL, sources, runs, schedules and experiments of one hpdp workspace.",
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=lifespan,
    )
    app.state.container = container
    app.state.hub = hub
    app.state.token = settings.serve_token
    app.state.flight_port = flight_port
    problems.install(app)
    app.include_router(rest.router())
    app.include_router(graphql.router(), prefix="/graphql", include_in_schema=False)
    app.include_router(events.router())

    @app.get(LOGIN_PATH, include_in_schema=False)
    def login() -> None:
        """Reached only with the right credentials (the gate answers `?token=` itself): go to the start page."""
        from starlette.responses import RedirectResponse

        return RedirectResponse("/", status_code=303)  # type: ignore[return-value]

    if pages is not None:
        api_routes = set(map(id, app.routes))
        pages(app)
        for route in app.routes:  # the dashboards' own routes are not part of the API's schema
            if id(route) not in api_routes and hasattr(route, "include_in_schema"):
                route.include_in_schema = False
    # Outermost last: CORS answers a browser's preflight before the token gate asks for the token.
    if settings.serve_token:
        app.add_middleware(TokenGate, token=settings.serve_token)
    if cors_origins:
        from starlette.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(cors_origins),
            allow_methods=["*"],
            allow_headers=["Authorization", "Content-Type", "Accept"],
        )
    return app
