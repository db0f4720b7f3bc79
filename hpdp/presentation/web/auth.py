"""The bearer token in front of every endpoint: REST, GraphQL, WebSockets, docs and the dashboards.

Callers send `Authorization: Bearer <token>`. A browser opens `/?token=...` (or `/login?token=...`) once:
the answer sets an HttpOnly, SameSite=Strict cookie and sends it on to the same page without the token.
The cookie holds a digest of the token, never the token; WebSockets also take `?token=`. Tokens are
compared in constant time, and nothing the server sends or logs contains one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, urlencode

from hpdp.domain.errors import redact

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

COOKIE = "hpdp_session"
LOGIN_PATH = "/login"


def cookie_value(token: str) -> str:
    """What the cookie carries: a digest that proves the token was given, from which it cannot be read."""
    return hmac.new(token.encode(), b"hpdp dashboard session", hashlib.sha256).hexdigest()


def same(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


class TokenGate:
    """ASGI middleware: lets a request through only with the token (header, cookie, or `?token=`)."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.token = token
        self.cookie = cookie_value(token)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        in_query = next((v for k, v in query if k == "token"), None)
        if in_query is not None and scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            await self._login(scope, send, query, in_query)
            return
        if self._known(headers) or (scope["type"] == "websocket" and same(in_query, self.token)):
            await self.app(scope, receive, send)
            return
        await deny(scope, receive, send)

    def _known(self, headers: dict[str, str]) -> bool:
        scheme, _, credential = headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and same(credential.strip(), self.token):
            return True
        jar = SimpleCookie()
        try:
            jar.load(headers.get("cookie", ""))
        except Exception:  # a malformed cookie header is no credential
            return False
        morsel = jar.get(COOKIE)
        return same(morsel.value if morsel else None, self.cookie)

    async def _login(self, scope: Scope, send: Send, query: list[tuple[str, str]], given: str) -> None:
        """`?token=` on a page: a right token sets the cookie and reloads the page without it."""
        if not same(given, self.token):
            await deny(scope, None, send)
            return
        path = "/" if scope["path"] == LOGIN_PATH else scope["path"]
        rest = urlencode([(k, v) for k, v in query if k != "token"])
        location = f"{scope.get('root_path', '')}{path}{'?' + rest if rest else ''}"
        cookie = f"{COOKIE}={self.cookie}; HttpOnly; SameSite=Strict; Path=/"
        await send(
            {
                "type": "http.response.start",
                "status": 303,
                "headers": [(b"location", location.encode()), (b"set-cookie", cookie.encode())],
            }
        )
        await send({"type": "http.response.body", "body": b""})


async def deny(scope: Scope, receive: Receive | None, send: Send) -> None:
    """401 as a problem, with no data; a WebSocket is refused before it opens."""
    body = json.dumps(
        {
            "type": "urn:hpdp:error:token_required",
            "title": "Unauthorized",
            "status": 401,
            "detail": "This server asks for its access token, sent in a bearer Authorization header "
            "or given once to the dashboard as the address's token parameter.",
            "code": "token_required",
        }
    ).encode()
    headers = [(b"content-type", b"application/problem+json"), (b"www-authenticate", b"Bearer")]
    if scope["type"] == "http":
        await send({"type": "http.response.start", "status": 401, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        return
    if "websocket.http.response" in scope.get("extensions", {}):
        await send({"type": "websocket.http.response.start", "status": 401, "headers": headers})
        await send({"type": "websocket.http.response.body", "body": body})
        return
    await send({"type": "websocket.close", "code": 1008, "reason": "token required"})


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


class RedactTokens(logging.Filter):
    """Masks `token=` in log lines (the access log shows each request's query string)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True
