"""Whether something answers: an HTTP page, a TCP port, a line in a log; and whether a port is free."""

from __future__ import annotations

import os
import socket
import urllib.error
import urllib.request
from pathlib import Path


def http_answers(url: str, timeout_s: float = 2.0) -> bool:
    """Whether an HTTP server answers at `url` without a server error (a 401 of a server with a token counts)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:
            return response.status < 500
    except urllib.error.HTTPError as exc:
        return exc.code < 500
    except (OSError, ValueError):
        return False


def tcp_open(host: str, port: int, timeout_s: float = 2.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return True
    except OSError:
        return False


def log_says(path: Path, text: str) -> bool:
    try:
        return text.encode() in path.read_bytes()
    except OSError:
        return False


def port_free(host: str, port: int) -> bool:
    """Whether a server could listen on `host:port` now (as `hpdp serve` binds: address reuse on POSIX)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        if os.name != "nt":  # on Windows the option would let two servers share a port
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host.strip("[]"), port))
        except OSError:
            return False
    return True
