"""The platform's status in the workspace (`platform.json`): written by `hpdp up`, read by `hpdp serve`."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

FILE = "platform.json"


def write_status(home: Path, status: dict[str, Any]) -> None:
    """Replace the status at once, so a reader never sees half of it."""
    path = home / FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(f".{FILE}.{os.getpid()}")
    part.write_text(json.dumps({**status, "pid": os.getpid()}, indent=1, default=str))
    os.replace(part, path)


def read_status(home: Path) -> dict[str, Any]:
    """The last status written; `running` is false when no `hpdp up` runs (never started, or stopped)."""
    try:
        status = json.loads((home / FILE).read_text())
    except (OSError, ValueError):
        return {"running": False, "children": [], "restarts": []}
    if status.get("running") and not _alive(status.get("pid")):
        status["running"] = False  # the supervisor ended without saying so (killed)
    return dict(status)


def _alive(pid: object) -> bool:
    import psutil

    return isinstance(pid, int) and psutil.pid_exists(pid)
