"""`hpdp doctor`'s checks: each says what it found, and what to fix when something is wrong.

A check that fails makes the verdict bad; a warning only informs. Secrets in URLs are masked.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from hpdp.domain.errors import HpdpError, first_line
from hpdp.infrastructure.settings import Settings, mask_secret

OK, WARN, FAIL = "ok", "warn", "fail"
PYTHON = (3, 11)
EXTENSIONS = ("ducklake", "sqlite", "postgres", "httpfs")  # pinned in the dependencies: must load
MIN_FREE_BYTES = 1 << 30


@dataclass(frozen=True)
class Check:
    status: str
    message: str


def run_checks(settings: Settings) -> Iterator[Check]:
    """Every check, in order; one that breaks unexpectedly is a failed check with its first line."""
    for check in CHECKS:
        try:
            yield from check(settings)
        except Exception as exc:  # a check must not end the report
            yield Check(FAIL, f"{check.__name__.removeprefix('_')}: {first_line(exc)}")


def _python(settings: Settings) -> Iterator[Check]:
    found = ".".join(map(str, sys.version_info[:3]))
    if sys.version_info[:2] == PYTHON:
        yield Check(OK, f"Python {found}")
    else:
        yield Check(FAIL, f"Python {found}: hpdp needs 3.11; make the environment with python3.11 (make setup).")


def _duckdb(settings: Settings) -> Iterator[Check]:
    import duckdb

    pinned = _pinned("duckdb")
    if pinned is None or duckdb.__version__ == pinned:
        yield Check(OK, f"DuckDB {duckdb.__version__}")
    else:
        yield Check(FAIL, f"DuckDB {duckdb.__version__} is installed, hpdp pins {pinned}: run make setup.")


def _extensions(settings: Settings) -> Iterator[Check]:
    from hpdp.adapters.stores.extensions import connect

    folder = settings.resolved_extension_dir()
    for name in EXTENSIONS:
        try:
            connect(folder, (name,)).close()
        except Exception as exc:
            yield Check(FAIL, f"DuckDB extension {name} does not load ({first_line(exc)}): run make setup.")
        else:
            yield Check(OK, f"DuckDB extension {name} loads from {folder}")


def _ports(settings: Settings) -> Iterator[Check]:
    from hpdp.infrastructure.probes import Port, port_free, taken_sentence

    ports = [
        Port("HPDP_SERVE_PORT", settings.serve_port),
        Port("HPDP_FLIGHT_PORT", settings.flight_port),
        Port("HPDP_MLFLOW_UI_PORT", settings.mlflow_ui_port, host=settings.mlflow_host),
    ]
    for port in ports:
        if not port.number or port_free(port.host, port.number):
            yield Check(OK, f"Port {port.number} is free ({port.setting})")
        else:
            yield Check(FAIL, taken_sentence(port))


def _workspace(settings: Settings) -> Iterator[Check]:
    from hpdp.infrastructure.parts import writable_home

    home = settings.resolved_home()
    try:
        writable_home(home)
    except HpdpError as exc:
        yield Check(FAIL, str(exc))
        return
    yield Check(OK, f"Workspace {home} is writable")
    free = shutil.disk_usage(home).free
    gib = free / (1 << 30)
    if free < MIN_FREE_BYTES:
        yield Check(WARN, f"Only {gib:.2f} GiB free on the workspace's disk: free some space or move HPDP_HOME.")
    else:
        yield Check(OK, f"{gib:.1f} GiB free on the workspace's disk")


def _redis(settings: Settings) -> Iterator[Check]:
    wanted = settings.queue == "redis" or settings.resolved_events() == "redis"
    if not wanted and not settings.redis_url:
        yield Check(OK, "Redis: not configured (embedded default: thread queue, local events)")
        return
    if not settings.redis_url:
        yield Check(FAIL, "Redis: HPDP_QUEUE=redis needs HPDP_REDIS_URL=redis://host:port/0.")
        return
    import redis

    shown = mask_secret(settings.redis_url)
    client = redis.Redis.from_url(settings.redis_url, socket_connect_timeout=3, socket_timeout=3)
    try:
        client.ping()
    except redis.RedisError as exc:
        yield Check(FAIL, f"Redis at {shown} does not answer ({_reason(exc)}): start it or fix HPDP_REDIS_URL.")
    else:
        yield Check(OK, f"Redis at {shown} answers")
    finally:
        client.close()


def _postgres(settings: Settings) -> Iterator[Check]:
    url = settings.db_url or ""
    if not url.startswith(("postgresql://", "postgres://")):
        if settings.run_log == "postgres" and settings.run_log_url:
            yield _postgres_answers(settings.run_log_url, "HPDP_RUN_LOG_URL")
            return
        yield Check(OK, "PostgreSQL: not configured (embedded default)")
        return
    yield _postgres_answers(url, "HPDP_DB_URL")
    if settings.run_log == "postgres" and settings.run_log_url and settings.run_log_url != url:
        yield _postgres_answers(settings.run_log_url, "HPDP_RUN_LOG_URL")


def _tracking(settings: Settings) -> Iterator[Check]:
    uri = settings.mlflow_tracking_uri
    if not uri:
        yield Check(OK, f"MLflow tracking: not configured (embedded default: {settings.resolved_tracking_uri()})")
        return
    shown = mask_secret(uri)
    if uri.startswith(("http://", "https://")):
        from hpdp.infrastructure.probes import http_answers

        if not http_answers(uri.rstrip("/") + "/health", timeout_s=3):
            yield Check(FAIL, f"MLflow tracking at {shown} does not answer: start it or fix HPDP_MLFLOW_TRACKING_URI.")
        elif _refused(uri, settings):
            yield Check(
                FAIL,
                f"MLflow tracking at {shown} refuses to answer without the right user and password: "
                "set or fix HPDP_MLFLOW_USER and HPDP_MLFLOW_PASSWORD.",
            )
        else:
            yield Check(OK, f"MLflow tracking at {shown} answers")
    elif uri.startswith(("postgresql://", "postgres://")) or "+psycopg" in uri.split("://", 1)[0]:
        yield _postgres_answers(_libpq(uri), "HPDP_MLFLOW_TRACKING_URI")
    else:
        yield Check(OK, f"MLflow tracking: {shown}")


def _refused(uri: str, settings: Settings) -> bool:
    """Whether the tracking server answers 401 to one API request with the configured credentials (if any)."""
    import base64
    import urllib.error
    import urllib.request

    request = urllib.request.Request(uri.rstrip("/") + "/api/2.0/mlflow/experiments/search?max_results=1")
    credentials = settings.mlflow_credentials()
    if credentials is not None:
        token = base64.b64encode(":".join(credentials).encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    try:
        urllib.request.urlopen(request, timeout=3).close()
    except urllib.error.HTTPError as exc:
        return exc.code == 401
    except OSError:
        return False
    return False


def _mlflow_server(settings: Settings) -> Iterator[Check]:
    """The MLflow server that `hpdp up` starts: who may reach it and, when shared, its PostgreSQL and bucket."""
    from hpdp.application.exposure import check_tracking_exposure
    from hpdp.domain.errors import ConfigError

    shared = settings.mlflow_server_shared()
    try:
        authenticated = settings.mlflow_credentials() is not None
        check_tracking_exposure(settings.mlflow_host, authenticated)
    except ConfigError as exc:
        yield Check(FAIL, str(exc))
    else:
        what = "shared" if shared else "a UI over the tracking store"
        how = "with basic auth" if authenticated else "no auth"
        yield Check(OK, f"MLflow server of hpdp up: {what}, on {settings.mlflow_host} ({how})")
    if not shared:
        return
    backend = settings.mlflow_backend_url or ""
    if backend.split("://", 1)[0].lower().partition("+")[0] in ("postgresql", "postgres"):
        yield _postgres_answers(_libpq(backend), "HPDP_MLFLOW_BACKEND_URL")
    yield from _artifact_bucket(settings)


def _artifact_bucket(settings: Settings) -> Iterator[Check]:
    """One listing request to the artifacts' bucket, as the lake checks its own (same sentences)."""
    from hpdp.infrastructure.parts import mlflow_object_storage

    storage = mlflow_object_storage(settings)
    if storage is None:
        return
    import duckdb

    from hpdp.adapters.stores.object_storage import connect

    con = duckdb.connect()
    try:
        connect(con, storage, settings.resolved_extension_dir())
    except HpdpError as exc:
        yield Check(FAIL, f"MLflow artifacts: {exc}")
    else:
        yield Check(OK, f"MLflow artifacts bucket {storage.scope} at {storage.where()} answers")
    finally:
        con.close()


def _libpq(url: str) -> str:
    """A SQLAlchemy PostgreSQL URL (postgresql+driver://) as libpq takes it."""
    scheme, _, rest = url.partition("://")
    return f"{scheme.partition('+')[0]}://{rest}"


def _postgres_answers(url: str, setting: str) -> Check:
    shown = mask_secret(url)
    try:
        import psycopg
    except ModuleNotFoundError:
        return Check(FAIL, f"PostgreSQL at {shown} needs the postgres extra: pip install 'hpdp[postgres]'.")
    try:
        psycopg.connect(url, connect_timeout=3).close()
    except psycopg.Error as exc:
        return Check(FAIL, f"PostgreSQL at {shown} does not answer ({_reason(exc)}): start it or fix {setting}.")
    return Check(OK, f"PostgreSQL at {shown} answers")


def _reason(exc: BaseException) -> str:
    from hpdp.domain.errors import redact

    return redact(first_line(exc)).rstrip(".")


def _pinned(package: str) -> str | None:
    """The version hpdp's own requirements pin for `package`."""
    from importlib.metadata import PackageNotFoundError, requires

    try:
        for requirement in requires("hpdp") or []:
            name, _, version = requirement.partition("==")
            if name.strip().lower() == package and version:
                return version.split(";")[0].strip()
    except PackageNotFoundError:
        pass
    return None


CHECKS: tuple[Callable[[Settings], Iterator[Check]], ...] = (
    _python,
    _duckdb,
    _extensions,
    _ports,
    _workspace,
    _redis,
    _postgres,
    _tracking,
    _mlflow_server,
)


def exit_code(checks: list[Check]) -> int:
    return 1 if any(c.status == FAIL for c in checks) else 0
