"""`hpdp flight`: serve the store over Arrow Flight until Ctrl-C or SIGTERM."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer

from hpdp.presentation.cli.context import container


def register(app: typer.Typer) -> None:
    app.command()(flight)


def flight(
    host: Annotated[str, typer.Option(help="Address to listen on; beyond this machine only with a token.")] = (
        "127.0.0.1"
    ),
    port: Annotated[int | None, typer.Option(help="Port (default HPDP_FLIGHT_PORT, 8815).")] = None,
    token: Annotated[
        str | None, typer.Option(help="Bearer token every call must carry (default HPDP_SERVE_TOKEN).")
    ] = None,
) -> None:
    """Serve tables, read-only SQL and atomic writes over Arrow Flight."""
    from hpdp.presentation.flight.server import serve_flight

    with container() as c:
        token = token or c.settings.serve_token
        server = serve_flight(c, host, c.settings.flight_port if port is None else port, token)
        guard = "; every call needs the token" if token else ""
        print(f"Serving Arrow Flight at grpc://{host}:{server.port}{guard}. Ctrl-C stops it.", flush=True)
        try:
            with _sigterm_interrupts():
                server.serve()
        except KeyboardInterrupt:
            pass
        finally:
            server.shutdown()
    print("Stopped.", flush=True)


@contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """SIGTERM stops the server as Ctrl-C does (where the platform has it and this is the main thread)."""
    if not hasattr(signal, "SIGTERM") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
