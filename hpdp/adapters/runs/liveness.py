"""Whether the process that executes a run still runs: seen at once on its own host, by any process there."""

from __future__ import annotations

import os
import socket


def this_process() -> str:
    """ "host:pid:start time": the start time tells a reused PID from the process recorded."""
    import psutil

    return f"{socket.gethostname()}:{os.getpid()}:{psutil.Process().create_time():.3f}"


def alive(process: str) -> bool | None:
    """True or False for a process of this host; None for another host's (its heartbeats tell)."""
    import psutil

    parts = process.rsplit(":", 2)
    if len(parts) != 3 or parts[0] != socket.gethostname():
        return None
    _, pid, started = parts
    try:
        return f"{psutil.Process(int(pid)).create_time():.3f}" == started
    except (psutil.NoSuchProcess, ValueError):
        return False
    except psutil.AccessDenied:
        return True
