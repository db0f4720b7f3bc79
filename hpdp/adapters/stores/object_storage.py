"""A lake's data files in S3-compatible object storage: the httpfs extension, a bucket-scoped DuckDB secret
and one early check that the bucket answers to the credentials, so a bad setting fails before anything is written."""

from __future__ import annotations

import socket
from pathlib import Path

import duckdb

from hpdp.adapters.stores import extensions
from hpdp.adapters.stores.sql import literal
from hpdp.application.object_storage import ObjectStorage
from hpdp.domain.errors import ConfigError, StoreUnavailableError

SECRET_NAME = "hpdp_lake_data"
CONNECT_TIMEOUT_S = 5
_REFUSED = ("403", "forbidden", "accessdenied", "invalidaccesskeyid", "signaturedoesnotmatch", "401")
_NO_BUCKET = ("nosuchbucket", "404")
_KEYS = "HPDP_S3_KEY_ID and HPDP_S3_SECRET"


def connect(con: duckdb.DuckDBPyConnection, storage: ObjectStorage, extension_dir: Path) -> None:
    """Make `storage` reachable from every connection of `con`'s database (secrets are database-wide)."""
    extensions.load(con, "httpfs", extension_dir)
    if storage.endpoint:
        probe(storage.endpoint)
    con.execute(create_secret(storage))
    check_access(con, storage)


def create_secret(storage: ObjectStorage) -> str:
    options = {
        "SCOPE": storage.scope,
        "REGION": storage.region,
        "URL_STYLE": storage.url_style,
        "USE_SSL": storage.use_ssl,
        "ENDPOINT": storage.endpoint,
        "KEY_ID": storage.key_id,
        "SECRET": storage.secret,
    }
    pairs = ", ".join(f"{k} {_value(v)}" for k, v in options.items() if v is not None)
    return f"CREATE OR REPLACE TEMPORARY SECRET {SECRET_NAME} (TYPE s3, {pairs})"


def _value(value: str | bool) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else literal(value)


def probe(endpoint: str) -> None:
    """Fail fast, in one sentence, when nothing answers at the endpoint's address."""
    host, _, port = endpoint.rpartition(":") if ":" in endpoint else (endpoint, "", "")
    try:
        with socket.create_connection((host, int(port or 443)), timeout=CONNECT_TIMEOUT_S):
            pass
    except OSError as exc:
        raise StoreUnavailableError(
            f"The S3 endpoint {endpoint} does not answer ({exc.strerror or exc}); "
            "start the server or fix HPDP_S3_ENDPOINT."
        ) from None


def check_access(con: duckdb.DuckDBPyConnection, storage: ObjectStorage) -> None:
    """One listing request: wrong credentials, a missing bucket or a wrong TLS setting show here. It asks for a
    key prefix nothing uses, so a large lake is not listed at every opening."""
    try:
        con.execute(f"SELECT count(*) FROM glob({literal(storage.url + '.hpdp-access-check*')})").fetchall()
    except duckdb.Error as exc:
        raise access_error(exc, storage) from None


def access_error(exc: duckdb.Error, storage: ObjectStorage) -> StoreUnavailableError | ConfigError:
    text = str(exc).lower().replace(" ", "")
    where = f"{storage.scope} at {storage.where()}"
    if any(word in text for word in _REFUSED):
        return ConfigError(f"S3 refused the credentials for {where}; check {_KEYS}.")
    if any(word in text for word in _NO_BUCKET):
        return ConfigError(
            f"The bucket {storage.bucket!r} does not exist at {storage.where()}; create it or fix {storage.setting}."
        )
    if "ssl" in text:
        return StoreUnavailableError(f"Could not reach {where} over TLS; check HPDP_S3_USE_SSL and HPDP_S3_ENDPOINT.")
    return StoreUnavailableError(
        f"Could not reach {where}; check HPDP_S3_ENDPOINT, HPDP_S3_URL_STYLE and HPDP_S3_REGION.",
        detail=_without_secret(str(exc), storage),
    )


def _without_secret(text: str, storage: ObjectStorage) -> str:
    return text.replace(storage.secret, "***") if storage.secret else text
