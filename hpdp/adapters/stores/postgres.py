"""PostgreSQL: tables live in a PostgreSQL database, attached to DuckDB through the postgres extension."""

from __future__ import annotations

import socket
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from hpdp.adapters.stores.base import CATALOG, DuckDBEngineStore, literal
from hpdp.application.store_ports import SupportsReadOnly
from hpdp.domain.errors import ConfigError, StoreUnavailableError

CONNECT_TIMEOUT_S = 5


def libpq_dsn(url: str) -> str:
    """postgresql://user:pw@host:port/db?opt=v -> a libpq key=value string with a connect timeout."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres") or not parts.path.strip("/"):
        raise ConfigError(
            f"HPDP_DB_URL={mask(url)!r} is not a PostgreSQL URL; use postgresql://user:password@host:port/dbname."
        )
    fields = {
        "host": parts.hostname or "127.0.0.1",
        "port": str(parts.port or 5432),
        "dbname": unquote(parts.path.strip("/")),
        "user": unquote(parts.username or "") or None,
        "password": unquote(parts.password or "") or None,
        "connect_timeout": str(CONNECT_TIMEOUT_S),
        **dict(parse_qsl(parts.query)),
    }
    return " ".join(f"{k}={_quote(v)}" for k, v in fields.items() if v)


def _quote(value: str) -> str:
    if value and all(c.isalnum() or c in "._-/" for c in value):
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def mask(url: str) -> str:
    parts = urlsplit(url)
    if not parts.password:
        return url
    return url.replace(f":{parts.password}@", ":***@", 1)


def probe(url: str) -> None:
    """Fail fast, in one sentence, when nothing answers at the server's address."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 5432
    try:
        with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S):
            pass
    except OSError as exc:
        raise StoreUnavailableError(
            f"PostgreSQL at {host}:{port} does not answer ({exc.strerror or exc}); start the server or fix HPDP_DB_URL."
        ) from None


class PostgresStore(DuckDBEngineStore, SupportsReadOnly):
    engine = "postgres"
    extensions_needed = ("postgres",)
    schema = "public"

    def _attach(self) -> None:
        url = self.options.url
        if not url:
            raise ConfigError("HPDP_DB_ENGINE=postgres needs HPDP_DB_URL=postgresql://user:password@host:port/dbname.")
        dsn = libpq_dsn(url)
        probe(url)
        try:
            self._con.execute(f"ATTACH {literal(dsn)} AS {CATALOG} (TYPE postgres{self._read_only_option()})")
        except Exception as exc:
            first = str(exc).strip().splitlines()[0]
            raise StoreUnavailableError(f"Could not open PostgreSQL at {mask(url)}: {first}") from None

    def read_only(self) -> PostgresStore:
        return self._reopen_read_only()  # type: ignore[return-value]

    def refresh_catalog(self, cursor: Any) -> None:
        # DuckDB caches PostgreSQL's schema; other clients (or a rollback) may have changed it.
        (cursor or self._con).execute("CALL pg_clear_cache()")
