"""DuckLake: Parquet data plus a SQLite (one host) or PostgreSQL (several hosts) catalog. Every commit is a snapshot."""

from __future__ import annotations

import threading
from contextlib import closing
from datetime import UTC
from pathlib import Path
from typing import Any

import duckdb

from hpdp.adapters.stores import extensions, object_storage
from hpdp.adapters.stores.base import DuckDBEngineStore
from hpdp.adapters.stores.postgres import libpq_dsn, probe
from hpdp.adapters.stores.sql import CATALOG, literal
from hpdp.application.store_ports import StoreOptions, SupportsReadOnly, SupportsSnapshots
from hpdp.domain.errors import HpdpError, SnapshotNotFoundError
from hpdp.domain.ledger import META_SCHEMA
from hpdp.domain.model import Snapshot

_META = f"__ducklake_metadata_{CATALOG}"
# The newest snapshot with one change outside the bookkeeping schema: a change names a schema or table
# ('created_table:"hpdp_meta"."executions"') or a table id ('inserted_into_table:7').
_LATEST_DATA_SNAPSHOT = f"""
WITH meta AS (
    SELECT t.table_id FROM {_META}.ducklake_table t JOIN {_META}.ducklake_schema s USING (schema_id)
    WHERE s.schema_name = {literal(META_SCHEMA)}
), changes AS (
    SELECT snapshot_id, unnest(string_split(coalesce(changes_made, ''), ',')) AS change
    FROM {_META}.ducklake_snapshot_changes
)
SELECT max(snapshot_id) FROM changes
WHERE NOT (
    regexp_matches(change, '^[a-z_]+:"{META_SCHEMA}"(\\.|$)')
    OR coalesce(TRY_CAST(split_part(change, ':', 2) AS BIGINT) IN (SELECT table_id FROM meta), false)
)
"""
# "schema not found in metadata catalog": a replace (drop and create in one commit) right after another commit
# of this process can fail so in DuckLake 1.5; replayed, it commits.
_RETRYABLE = ("conflict", "locked", "busy", "unique constraint", "primary key", "not found in metadata catalog")


def write_ahead_log(path: Path) -> None:
    """Put a SQLite catalog in WAL mode (kept in the file): readers in other processes then go on while a
    writer commits, instead of waiting for its lock.

    The mode is read from the file header, so a catalog already in WAL mode is never opened by Python's own
    SQLite: two SQLite libraries in one process share POSIX locks, and closing one would drop the locks that
    DuckDB's connections to the same catalog hold.
    """
    if _in_wal_mode(path):
        return
    import sqlite3

    with closing(sqlite3.connect(path, timeout=30)) as con:
        con.execute("PRAGMA journal_mode=WAL")


def _in_wal_mode(path: Path) -> bool:
    """Bytes 18 and 19 of a SQLite header are 2 for a WAL database."""
    try:
        with path.open("rb") as f:
            header = f.read(20)
    except FileNotFoundError:
        return False
    return len(header) == 20 and header[18] == 2 and header[19] == 2


class DuckLakeStore(DuckDBEngineStore, SupportsSnapshots, SupportsReadOnly):
    engine = "ducklake"
    extensions_needed = ("ducklake", "sqlite")
    parquet_compression = "lz4_raw"

    def __init__(self, options: StoreOptions) -> None:
        self._catalog_file: Path | None = None
        self._snapshot_lock = threading.Lock()
        self._snapshot_users: dict[int, int] = {}  # attached snapshot -> sessions reading it
        super().__init__(options)

    def _location(self) -> str:
        url = self.options.url
        if url and url.startswith(("postgresql://", "postgres://")):
            probe(url)
            extensions.load(self._con, "postgres", self.options.extension_dir)
            return f"ducklake:postgres:{libpq_dsn(url)}"
        if url and url.startswith("sqlite:///"):
            path = Path(url.removeprefix("sqlite:///"))
        else:
            path = self.options.home / "lake" / "catalog.sqlite"
            path.parent.mkdir(parents=True, exist_ok=True)
        if not self.options.read_only:
            write_ahead_log(path)
        self._catalog_file = path
        return f"ducklake:sqlite:{path}"

    def _data_path(self) -> str:
        if self.options.object_storage is not None:
            return self.options.object_storage.url
        path = self.options.data_path or self.options.home / "lake" / "data"
        path.mkdir(parents=True, exist_ok=True)
        return str(path) + "/"

    def _attach(self) -> None:
        if self.options.object_storage is not None:
            object_storage.connect(self._con, self.options.object_storage, self.options.extension_dir)
        self._location_sql = literal(self._location())
        self._options_sql = f"DATA_PATH {literal(self._data_path())}"
        self._con.execute(f"ATTACH {self._location_sql} AS {CATALOG} ({self._options_sql}{self._read_only_option()})")
        if not self.options.read_only:
            self._set_default_options()

    def read_only(self) -> DuckLakeStore:
        return self._reopen_read_only()  # type: ignore[return-value]

    def _own_paths(self) -> list[Path | str]:
        catalog = getattr(self, "_catalog_file", None)
        storage = self.options.object_storage
        data: list[Path | str] = [storage.url] if storage is not None else [Path(self._data_path())]
        return [*data, *([catalog.parent] if catalog is not None else [])]

    def _set_default_options(self) -> None:
        """New lakes write LZ4 Parquet: smaller than snappy and about 10% faster to read back."""
        rows = self._con.execute(f"SELECT option_name FROM {CATALOG}.options()").fetchall()
        if ("parquet_compression",) not in rows:
            self._con.execute(f"CALL {CATALOG}.set_option('parquet_compression', {literal(self.parquet_compression)})")

    # Several processes commit to one catalog; a commit that lost a race is replayed.
    commit_attempts = 10

    def _retryable(self, exc: BaseException) -> bool:
        text = str(exc).lower()
        return any(word in text for word in _RETRYABLE)

    # -- snapshots -------------------------------------------------------------------------------------
    def at_clause(self, as_of: int | None) -> str:
        return "" if as_of is None else f" AT (VERSION => {int(as_of)})"

    def check_snapshot(self, as_of: int) -> None:
        latest = self.latest_snapshot()
        if not 0 <= as_of <= latest:
            raise SnapshotNotFoundError(f"Snapshot {as_of} does not exist; snapshots run from 0 to {latest}.")

    def acquire_snapshot(self, cursor: duckdb.DuckDBPyConnection, as_of: int) -> str:
        """Attach snapshot `as_of` read-only (once, shared by the sessions reading it); its catalog name."""
        alias = f"{CATALOG}_v{int(as_of)}"
        with self._snapshot_lock:
            users = self._snapshot_users.get(as_of, 0)
            if users == 0:
                options = f"{self._options_sql}, SNAPSHOT_VERSION {int(as_of)}, READ_ONLY"
                self.retrying(
                    lambda: cursor.execute(f"ATTACH IF NOT EXISTS {self._location_sql} AS {alias} ({options})")
                )
            self._snapshot_users[as_of] = users + 1
        return alias

    def release_snapshot(self, cursor: duckdb.DuckDBPyConnection, as_of: int) -> None:
        with self._snapshot_lock:
            users = self._snapshot_users.get(as_of, 0) - 1
            if users > 0:
                self._snapshot_users[as_of] = users
                return
            self._snapshot_users.pop(as_of, None)
            cursor.execute(f"DETACH DATABASE IF EXISTS {CATALOG}_v{int(as_of)}")

    def missing_at(self, table: str, as_of: int | None, error: HpdpError) -> HpdpError:
        if as_of is None:
            return error
        spans = self._spans(table)
        if not spans:
            return error
        where = " and ".join(f"{a}" if a == b else f"{a} to {b}" for a, b in spans)
        return SnapshotNotFoundError(
            f"Table {table!r} does not exist at snapshot {as_of}; it exists in snapshots {where}.",
            detail=error.detail,
        )

    def _spans(self, table: str) -> list[tuple[int, int]]:
        """The snapshot ranges in which a table existed, oldest first."""
        latest = self.latest_snapshot()
        name = table.rpartition(".")[2]
        with self._short_session() as session, session.running() as cur:
            rows = self.retrying(
                lambda: cur.execute(
                    f"SELECT begin_snapshot, end_snapshot FROM __ducklake_metadata_{CATALOG}.ducklake_table "
                    f"WHERE table_name = {literal(name)} ORDER BY begin_snapshot"
                ).fetchall()
            )
        return [(int(b), latest if e is None else int(e) - 1) for b, e in rows if e is None or int(e) > int(b)]

    def latest_snapshot(self) -> int:
        """The newest snapshot of the catalog, bookkeeping commits included (any of them can be read AT)."""
        with self._short_session() as session, session.running() as cur:
            # fetchall closes the result: a half-read one keeps the catalog locked for other writers
            rows = self.retrying(lambda: cur.execute(f"SELECT id FROM {CATALOG}.current_snapshot()").fetchall())
        return int(rows[0][0]) if rows else 0

    def current_snapshot(self) -> int:
        """The newest snapshot that changed data: commits that touched only the platform's bookkeeping schema
        (the execution ledger, findings) are not versions a user sees, so they do not move it."""
        with self._short_session() as session, session.running() as cur:
            rows = self.retrying(lambda: cur.execute(_LATEST_DATA_SNAPSHOT).fetchall())
        return int(rows[0][0]) if rows and rows[0][0] is not None else 0

    def _snapshot_rows(self, cur: duckdb.DuckDBPyConnection) -> tuple[dict[str, str], set[str], list[tuple[Any, ...]]]:
        tables = cur.execute(
            f"SELECT t.table_id, t.table_name, s.schema_name FROM {_META}.ducklake_table t "
            f"LEFT JOIN {_META}.ducklake_schema s USING (schema_id)"
        ).fetchall()
        ids = {str(table_id): name for table_id, name, _ in tables}
        meta = {str(table_id) for table_id, _, schema in tables if schema == META_SCHEMA}
        rows = cur.execute(
            f"SELECT snapshot_id, timezone('UTC', snapshot_time), changes "
            f"FROM ducklake_snapshots('{CATALOG}') ORDER BY snapshot_id"
        ).fetchall()
        return ids, meta, rows

    def snapshots(self, table: str | None = None) -> list[Snapshot]:
        with self._short_session() as session, session.running() as cur:
            ids, meta, rows = self.retrying(lambda: self._snapshot_rows(cur))
        result = []
        for snap_id, when, changes in rows:
            touched = set()
            for values in (changes or {}).values():
                for value in values:
                    touched.add(ids.get(value, value.split(".")[-1]))
            if table is not None and table not in touched:
                continue
            if table is None and changes and _bookkeeping_only(changes, meta):
                continue  # the ledger's own commits are no version of the user's data
            text = "; ".join(
                f"{k.replace('_', ' ')}: {', '.join(ids.get(v, v) for v in vs)}" for k, vs in (changes or {}).items()
            )
            result.append(
                Snapshot(id=int(snap_id), time=when.replace(tzinfo=UTC), changes=text, tables=tuple(sorted(touched)))
            )
        return result


def _bookkeeping_only(changes: dict[str, list[str]], meta: set[str]) -> bool:
    """Whether every change of a snapshot is in the bookkeeping schema (by name or by table id)."""
    prefix = f"{META_SCHEMA}."
    return all(
        value == META_SCHEMA or value.startswith(prefix) or value in meta
        for values in changes.values()
        for value in values
    )
