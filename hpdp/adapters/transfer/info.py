"""Where a server's Flight endpoint is: asked of its HTTP API (`GET /api/v1/info`)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from hpdp.application.remote_errors import error_from_fields
from hpdp.application.transfer import TransferOptions
from hpdp.domain.errors import UnavailableError, UnsupportedError, first_line

INFO_PATH = "/api/v1/info"


def flight_url(options: TransferOptions) -> str:
    """`grpc://host:port` (grpc+tls behind https) from the info's `flight_url`, `flight_port` or `flight`."""
    info = server_info(options)
    found = info.get("flight")
    if isinstance(found, dict):
        url, port = found.get("url"), found.get("port")
    else:
        url, port = info.get("flight_url"), info.get("flight_port", found)
    if isinstance(url, str) and url:
        return url
    if isinstance(port, int) and not isinstance(port, bool) and port > 0:
        parts = urlsplit(options.url)
        scheme = "grpc+tls" if parts.scheme == "https" else "grpc+tcp"
        host = parts.hostname or "127.0.0.1"
        return f"{scheme}://{f'[{host}]' if ':' in host else host}:{port}"
    raise UnsupportedError(
        f"The server at {options.url} serves no Arrow Flight endpoint.",
        hint="connect with transfer='json', or give flight_url.",
        code="flight_unavailable",
    )


def server_info(options: TransferOptions) -> dict[str, Any]:
    request = urllib.request.Request(options.url.rstrip("/") + INFO_PATH, headers=auth_headers(options))
    try:
        with urllib.request.urlopen(request, timeout=options.timeout_s) as response:
            body = json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        raise error_from_fields(_problem(exc), f"The server at {options.url} answered {exc.code}.") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise UnavailableError(
            f"Cannot reach the hpdp server at {options.url}: {first_line(exc)}.", code="server_unreachable"
        ) from None
    return body if isinstance(body, dict) else {}


def auth_headers(options: TransferOptions) -> dict[str, str]:
    return {"Authorization": f"Bearer {options.token}"} if options.token else {}


def _problem(exc: urllib.error.HTTPError) -> dict[str, Any]:
    try:
        body = json.loads(exc.read() or b"{}")
    except ValueError:
        body = {}
    return body if isinstance(body, dict) else {}
