"""The current DuckLake snapshot read from a SQLite catalog: no DuckDB, no lock held during the run."""

from __future__ import annotations

import sqlite3
from pathlib import Path


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
