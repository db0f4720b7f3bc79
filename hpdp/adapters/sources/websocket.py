"""WebSocket streams: connect, send a subscribe message, read until N messages, T seconds or a closing
message, and hand the records on in batches."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import orjson

from hpdp.adapters.sources.http import build_auth
from hpdp.adapters.sources.records import records_at, to_table
from hpdp.application.sources import AbstractSource, Page
from hpdp.domain.sources import SourceError


def matches(message: Any, pattern: Any) -> bool:
    """True when every key of the pattern has the same value in the message."""
    if not isinstance(pattern, dict) or not pattern or not isinstance(message, dict):
        return False
    return all(message.get(k) == v for k, v in pattern.items())


class WebSocketSource(AbstractSource):
    kind = "websocket"

    def _subscribe(self, start: Any) -> str | None:
        message = self.spec.option("subscribe")
        if message is None:
            return None
        inc = self.spec.incremental
        if isinstance(message, dict):
            if inc is not None and inc.param and start is not None:
                message = {**message, inc.param: start}
            return orjson.dumps(message).decode()
        return str(message)

    def _pages(self, start: Any) -> Iterator[Page]:
        from websockets.exceptions import ConnectionClosedOK, WebSocketException
        from websockets.sync.client import connect

        opt = self.spec.option
        max_messages = int(opt("max_messages", 0)) or None
        max_seconds = float(opt("max_seconds", 60))
        batch_size = int(opt("batch_size", 1000))
        close_on = opt("close_on")
        headers, _ = build_auth(self.spec)
        headers.update({str(k): str(v) for k, v in (opt("headers") or {}).items()})
        url, buffer, received, batches = self.spec.url, [], 0, 0
        deadline = time.monotonic() + max_seconds
        try:
            with connect(
                url,
                open_timeout=float(opt("timeout", 30)),
                close_timeout=1,
                additional_headers=headers or None,
            ) as ws:
                subscribe = self._subscribe(start)
                if subscribe is not None:
                    ws.send(subscribe)
                while max_messages is None or received < max_messages:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        break
                    try:
                        raw = ws.recv(timeout=remaining)
                    except TimeoutError:
                        break
                    except ConnectionClosedOK:
                        break
                    try:
                        message = orjson.loads(raw)
                    except orjson.JSONDecodeError as exc:
                        raise SourceError(
                            f"{url} sent a malformed JSON message ({exc})",
                            hint="nothing was written.",
                            code="source_body_invalid",
                        ) from None
                    if matches(message, close_on):
                        break
                    received += 1
                    if (
                        self.spec.records
                        and isinstance(message, dict)
                        and self.spec.records.split(".")[0] not in message
                    ):
                        continue  # acknowledgements and other control messages
                    buffer.extend(records_at(message, self.spec.records, url))
                    if len(buffer) >= batch_size:
                        batches += 1
                        yield Page(to_table(buffer, url), f"{url}#batch{batches}")
                        buffer = []
        except (OSError, WebSocketException) as exc:
            raise SourceError(
                f"WebSocket {url} failed: {exc or type(exc).__name__}", hint="check the URL and the server."
            ) from None
        if buffer:
            yield Page(to_table(buffer, url), f"{url}#batch{batches + 1}")
