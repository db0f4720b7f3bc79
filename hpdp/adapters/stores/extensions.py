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


def lock_down(con: duckdb.DuckDBPyConnection, own_paths: list[Path | str]) -> None:
    """No file access beyond `own_paths` (local paths, or URL prefixes as text), no extensions to install or
    load, no setting to change."""
    urls = [p for p in own_paths if isinstance(p, str)]
    local = [p for p in own_paths if isinstance(p, Path)]
    folders = [*urls, *(str(p) + "/" for p in local if p.is_dir())]
    files = [str(p) for p in local if not p.is_dir()]
    if folders:
        con.execute("SET allowed_directories = ?", [folders])
    if files:
        con.execute("SET allowed_paths = ?", [files])
    con.execute("SET enable_external_access = false")
    con.execute("SET autoinstall_known_extensions = false")
    con.execute("SET lock_configuration = true")
