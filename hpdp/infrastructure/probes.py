"""Whether something answers: an HTTP page, a TCP port, a line in a log; and whether a port is free."""

from __future__ import annotations

import os
import socket
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"  # where the platform's servers listen


@dataclass(frozen=True)
class Port:
    setting: str  # the HPDP_ variable that changes it
    number: int
    host: str = HOST  # the address it is bound to


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


def taken(ports: Iterable[Port]) -> list[str]:
    """One sentence for each port another program holds."""
    return [taken_sentence(p) for p in ports if not port_free(p.host, p.number)]


def taken_sentence(port: Port) -> str:
    return f"Port {port.number} is taken: set {port.setting} to a free port (or stop the program that holds it)."
