"""Run the demo API on a loopback port until Ctrl-C or SIGTERM."""

from __future__ import annotations

from collections.abc import Callable

from hpdp.domain.errors import ConfigError
from hpdp.presentation.demo_api.replay import Replay, load_tables

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def build_replay(*, rate: float, tick: float, initial: int) -> Replay:
    flights, weather = load_tables()
    try:
        return Replay(flights, weather, initial=initial, rate=rate, tick=tick)
    except ValueError as exc:
        raise ConfigError(f"The demo API cannot replay with these settings: {exc}.") from None


def serve_demo_api(
    host: str, port: int, *, rate: float, tick: float, initial: int, ready: Callable[[str], None] = print
) -> None:
    """Bind first (port 0: a free one), report the base URL through `ready`, then serve."""
    from hpdp.presentation.cli.serve import bind, run_uvicorn
    from hpdp.presentation.demo_api.app import build_app

    if host not in LOOPBACK:
        raise ConfigError(f"The demo API listens on loopback only, not {host!r}; use --host 127.0.0.1.")
    replay = build_replay(rate=rate, tick=tick, initial=initial)
    listener = bind(host, port)
    ready(f"http://{host}:{listener.getsockname()[1]}")
    run_uvicorn(build_app(replay), listener)
