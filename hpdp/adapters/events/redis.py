"""Events in a Redis stream: workers and schedulers on other hosts publish where the server reads."""

from __future__ import annotations

import json
from typing import Any

from hpdp.application.clock import Clock, utcnow
from hpdp.application.events import AbstractEventBus
from hpdp.domain.events import Event

KEEP = 10_000


class RedisEventBus(AbstractEventBus):
    def __init__(self, url: str, key: str = "hpdp:events", clock: Clock = utcnow) -> None:
        super().__init__(clock)
        import redis

        self.key = key
        self._redis: Any = redis.Redis.from_url(url)

    def _append(self, event: Event) -> None:
        body = json.dumps(event.to_dict(), default=str)
        self._redis.xadd(self.key, {"event": body}, maxlen=KEEP, approximate=True)

    def read(self, after: str | None, timeout_s: float = 0.0) -> tuple[list[Event], str]:
        if after is None:
            newest = self._redis.xrevrange(self.key, count=1)
            return [], newest[0][0].decode() if newest else "0-0"
        block = int(timeout_s * 1000) or None
        found = self._redis.xread({self.key: after}, count=1000, block=block)
        if not found:
            return [], after
        entries = found[0][1]
        events = [Event.from_dict(json.loads(fields[b"event"])) for _, fields in entries]
        return events, entries[-1][0].decode()

    def close(self) -> None:
        self._redis.close()
