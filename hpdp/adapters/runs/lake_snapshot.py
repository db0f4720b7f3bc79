"""The current DuckLake snapshot read from a SQLite catalog: no DuckDB, no lock held during the run."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from hpdp.application.store_ports import StoreOptions


def sqlite_catalog(home: Path, url: str | None) -> Path | None:
    """The SQLite catalog file the DuckLake store uses for these settings (None for a PostgreSQL catalog)."""
    if url and url.startswith("sqlite:///"):
        return Path(url.removeprefix("sqlite:///"))
    if url:
        return None
    return home / "lake" / "catalog.sqlite"


def current_snapshot(catalog: Path) -> int | None:
    if not catalog.is_file():
        return None
    con = sqlite3.connect(f"{catalog.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    try:
        row = con.execute("SELECT max(snapshot_id) FROM ducklake_snapshot").fetchone()
    except sqlite3.OperationalError:  # not initialised yet
        return None
    finally:
        con.close()
    return int(row[0]) if row and row[0] is not None else None


def snapshot_reader(options: StoreOptions) -> Callable[[], int | None] | None:
    """The registry entry for DuckLake stores: a reader of the SQLite catalog, or None (PostgreSQL catalog)."""
    catalog = sqlite_catalog(options.home, options.url)
    if catalog is None:
        return None
    return lambda: current_snapshot(catalog)
