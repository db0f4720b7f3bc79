"""Logging set-up for the interfaces (the CLI, servers): hpdp's log format and level."""

from __future__ import annotations

from hpdp.adapters import logs


def configure(debug: bool = False) -> None:
    logs.configure(debug)
