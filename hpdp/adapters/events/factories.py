"""Event bus factories, called with EventOptions by the composition root (see the registries)."""

from __future__ import annotations

from hpdp.application.events import AbstractEventBus, EventOptions
from hpdp.domain.errors import ConfigError


def local_bus(options: EventOptions) -> AbstractEventBus:
    from hpdp.adapters.events.local import LocalEventBus

    return LocalEventBus(options.home / "events.sqlite", options.clock)


def redis_bus(options: EventOptions) -> AbstractEventBus:
    if not options.redis_url:
        raise ConfigError("HPDP_EVENTS=redis needs HPDP_REDIS_URL=redis://host:port/0.")
    from hpdp.adapters.events.redis import RedisEventBus

    return RedisEventBus(options.redis_url, key=f"{options.name}:events", clock=options.clock)
