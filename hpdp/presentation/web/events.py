"""Workspace events to browsers and scripts: `/ws/events` and the GraphQL subscription share one hub.

The container's feed calls back on its own thread; the hub hands each event to the event loop with
`call_soon_threadsafe` and puts it in every listener's bounded queue. A listener too slow to keep up loses
its oldest events, and its next message says how many (`events.dropped`), so it can reload what it shows.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, WebSocket  # at module level: FastAPI reads the endpoint's annotations here

log = logging.getLogger("hpdp.web")

BACKLOG = 1000  # events kept for one listener before its oldest are dropped


class Listener:
    """One connection's queue of events (as dicts), with a count of those it lost."""

    def __init__(self, types: tuple[str, ...] = (), backlog: int = BACKLOG) -> None:
        self.types = types
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(backlog)
        self.dropped = 0

    def wants(self, event: dict[str, Any]) -> bool:
        kind = str(event.get("type", ""))
        return not self.types or any(kind == t or (t.endswith(".*") and kind.startswith(t[:-1])) for t in self.types)

    def offer(self, event: dict[str, Any]) -> None:
        if not self.wants(event):
            return
        if self.queue.full():
            self.queue.get_nowait()
            self.dropped += 1
        self.queue.put_nowait(event)

    async def next(self) -> dict[str, Any]:
        """The next event; after a loss, first a notice of how many were dropped."""
        if self.dropped:
            lost, self.dropped = self.dropped, 0
            return {"type": "events.dropped", "at": _now(), "count": lost}
        return await self.queue.get()


class EventHub:
    """Subscribes to the feed when the first listener comes, and fans events out on the event loop."""

    def __init__(self, feed: Callable[[], Any], backlog: int = BACKLOG) -> None:
        self._feed = feed
        self._backlog = backlog
        self._listeners: set[Listener] = set()
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._unsubscribe: Callable[[], None] | None = None

    @contextlib.contextmanager
    def listen(self, types: tuple[str, ...] = ()) -> Iterator[Listener]:
        """A listener for the calling connection; call inside the event loop."""
        listener = Listener(types, self._backlog)
        self._start(asyncio.get_running_loop())
        self._listeners.add(listener)
        try:
            yield listener
        finally:
            self._listeners.discard(listener)

    async def stream(self, types: tuple[str, ...] = ()) -> AsyncIterator[dict[str, Any]]:
        with self.listen(types) as listener:
            while True:
                yield await listener.next()

    def _start(self, loop: asyncio.AbstractEventLoop) -> None:
        with self._lock:
            if self._unsubscribe is None:
                self._loop = loop
                self._unsubscribe = self._feed().subscribe(self._from_feed)

    def _from_feed(self, event: Any) -> None:
        """On the feed's thread: hand the event to the loop."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(self._fan_out, event.to_dict())

    def _fan_out(self, event: dict[str, Any]) -> None:
        for listener in list(self._listeners):
            listener.offer(event)

    def close(self) -> None:
        with self._lock:
            if self._unsubscribe is not None:
                self._unsubscribe()
                self._unsubscribe = None


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def types_of(text: str | None) -> tuple[str, ...]:
    """`run.*,snapshot.created` → the wanted types; none: all."""
    return tuple(t.strip() for t in (text or "").split(",") if t.strip())


def router() -> APIRouter:
    api = APIRouter()

    @api.websocket("/ws/events")
    async def events(websocket: WebSocket, types: str | None = None) -> None:
        """Every workspace event as JSON `{"type", "at", ...ids}`; `?types=run.*,snapshot.created` narrows."""
        hub: EventHub = websocket.app.state.hub
        await websocket.accept()
        with hub.listen(types_of(types)) as listener:
            await _pump(websocket, listener)

    return api


async def _pump(websocket: WebSocket, listener: Listener) -> None:
    """Send events until the client leaves (noticed at once, not at the next event)."""
    from starlette.websockets import WebSocketDisconnect

    async def until_closed() -> None:
        with contextlib.suppress(WebSocketDisconnect):
            while True:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    return

    closed = asyncio.ensure_future(until_closed())
    try:
        while not closed.done():
            getting = asyncio.ensure_future(listener.next())
            done, _ = await asyncio.wait({getting, closed}, return_when=asyncio.FIRST_COMPLETED)
            if getting not in done:
                getting.cancel()
                return
            try:
                await websocket.send_json(getting.result())
            except (WebSocketDisconnect, RuntimeError, OSError):
                return
    finally:
        closed.cancel()
