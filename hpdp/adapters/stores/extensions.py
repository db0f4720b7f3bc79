"""Offline DuckDB extensions: installed once from the pinned wheels into a project-local folder."""

from __future__ import annotations

from pathlib import Path

import duckdb


def connect(extension_dir: Path, extensions: tuple[str, ...]) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection that loads extensions offline only."""
    extension_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(
        ":memory:",
        config={
            "extension_directory": str(extension_dir),
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": True,
        },
    )
    for name in extensions:
        load(con, name, extension_dir)
    return con


def load(con: duckdb.DuckDBPyConnection, name: str, extension_dir: Path) -> None:
    try:
        con.execute(f"LOAD {name}")
        return
    except duckdb.Error:
        pass
    from filelock import FileLock  # only the first use installs

    with FileLock(extension_dir / ".install.lock"):
        try:
            con.execute(f"LOAD {name}")
        except duckdb.Error:
            from duckdb_extensions import import_extension

            import_extension(name, con=con)
