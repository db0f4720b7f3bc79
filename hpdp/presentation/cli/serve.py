"""`hpdp serve`: the dashboards, REST, GraphQL and event socket in one uvicorn server, and Arrow Flight
beside it in a thread of the same process."""

from __future__ import annotations

import logging
import socket
import threading
from typing import TYPE_CHECKING, Annotated, Any

import typer

from hpdp.application.exposure import check_exposure
from hpdp.domain.errors import PortUnavailableError, first_line
from hpdp.presentation.cli.context import container

if TYPE_CHECKING:
    from hpdp.infrastructure.container import Container


def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (HPDP_SERVE_HOST, default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="HTTP port (HPDP_SERVE_PORT, default 8080; 0: a free one).")] = None,
    token: Annotated[str | None, typer.Option(help="Token every caller must send (HPDP_SERVE_TOKEN).")] = None,
    flight_port: Annotated[int | None, typer.Option(help="Arrow Flight port (HPDP_FLIGHT_PORT, default 8815).")] = None,
    no_flight: Annotated[bool, typer.Option("--no-flight", help="Serve no Arrow Flight endpoint.")] = False,
) -> None:
    """Serve the workspace: dashboards at /, REST at /api/v1 (docs at /docs), GraphQL, events and Flight.

    Beyond this machine (a host other than loopback) a token is required.
    """
    from hpdp.infrastructure.settings import load_settings

    overrides = {"serve_host": host, "serve_port": port, "serve_token": token, "flight_port": flight_port}
    settings = load_settings(**{k: v for k, v in overrides.items() if v is not None})
    host, token = settings.serve_host, settings.serve_token or None
    check_exposure(host, token)
    listener = bind(host, settings.serve_port)
    with container(settings=settings) as c:
        c.queries()  # the store opens now, not in the first request
        flight = None if no_flight else start_flight(c, host, settings.flight_port, token)
        try:
            app = build_app(c, settings, None if flight is None else flight.port)
            base = f"http://{_url_host(host)}:{listener.getsockname()[1]}"
            print(f"hpdp serving {settings.resolved_home()}", flush=True)
            print(f"  dashboards  {base}/", flush=True)
            print(f"  REST API    {base}/api/v1   (docs {base}/docs)", flush=True)
            print(f"  GraphQL     {base}/graphql", flush=True)
            print(f"  events      {base.replace('http', 'ws', 1)}/ws/events", flush=True)
            if flight is not None:
                print(f"  Flight      grpc://{_url_host(host)}:{flight.port}", flush=True)
            if token:
                print("  token       required (Authorization: Bearer, or open /?token=... once)", flush=True)
            run_uvicorn(app, listener)
        finally:
            if flight is not None:
                flight.shutdown()
    print("hpdp serve stopped.", flush=True)


def bind(host: str, port: int) -> socket.socket:
    """The listening socket, bound before anything starts (port 0: a free one), so the printed URLs are right."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host.strip("[]"), port))
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        raise PortUnavailableError(
            f"Cannot listen on {host}:{port}: {first_line(exc)}",
            hint="choose another --port or stop the program that holds it.",
        ) from None
    sock.set_inheritable(True)
    return sock


def start_flight(c: Container, host: str, port: int, token: str | None) -> Any:
    """The Flight server in a thread, or None (with a line saying why) when this installation has none."""
    try:
        from hpdp.presentation.flight.server import serve_flight
    except ModuleNotFoundError as exc:
        print(f"Arrow Flight is not served: {first_line(exc)}.", flush=True)
        return None
    server = serve_flight(c, host, port, token)
    threading.Thread(target=server.serve, name="hpdp-flight", daemon=True).start()
    return server


def build_app(c: Container, settings: Any, flight_port: int | None) -> Any:
    from hpdp.presentation.web.app import create_app

    origins = [o.strip() for o in (settings.serve_cors_origins or "").split(",") if o.strip()]
    return create_app(c, settings, pages=_pages(c), flight_port=flight_port, cors_origins=origins)


def _pages(c: Container) -> Any:
    """The dashboards' mount, when this installation has them."""
    try:
        from hpdp.presentation.web import pages
    except ImportError:
        return None
    mount = getattr(pages, "mount", None)
    return None if mount is None else (lambda app: mount(app, c))


def run_uvicorn(app: Any, listener: socket.socket) -> None:
    """Until Ctrl-C or SIGTERM (uvicorn's handlers; on Windows, KeyboardInterrupt)."""
    import uvicorn

    from hpdp.presentation.web.auth import RedactTokens

    server_class = _server_class()

    config = uvicorn.Config(
        app, log_level="warning", lifespan="on", ws="websockets-sansio", timeout_graceful_shutdown=5
    )
    for name in ("uvicorn.access", "uvicorn.error"):
        logging.getLogger(name).addFilter(RedactTokens())
    try:
        server_class(config).run(sockets=[listener])
    except KeyboardInterrupt:
        pass
    finally:
        listener.close()


def _server_class() -> type:
    import uvicorn

    class Server(uvicorn.Server):
        """uvicorn's server, except that a stop by SIGTERM or Ctrl-C ends the command normally: uvicorn
        re-raises the signal after its graceful shutdown, which would skip the container's close."""

        def handle_exit(self, sig: int, frame: Any) -> None:
            super().handle_exit(sig, frame)
            self._captured_signals.clear()

    return Server


def _url_host(host: str) -> str:
    return f"[{host.strip('[]')}]" if ":" in host else host


def register(app: typer.Typer) -> None:
    app.command()(serve)
