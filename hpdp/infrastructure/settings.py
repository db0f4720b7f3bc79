"""Settings from the environment and a `.env` file, prefix HPDP_.

Read as pydantic-settings would (arguments over the environment over `.env`; names in any case; other
variables ignored), on a plain pydantic model: pydantic-settings costs 80 ms at every command's start.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from hpdp.domain.errors import ConfigError

OUTPUT_FORMATS = ("polars", "pandas", "arrow")


PREFIX = "HPDP_"
_MLFLOW_BACKENDS = ("postgresql", "postgres", "sqlite", "mysql", "mssql")  # SQLAlchemy stores MLflow runs on
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
ENV_FILE = ".env"
_SECRET_WORDS = ("secret", "token", "password")  # in a setting's name: its value is never shown


class Settings(BaseModel):
    model_config = ConfigDict(extra="ignore")

    home: Path = Field(default=Path(".hpdp"), description="workspace folder")
    db_engine: str = Field(default="ducklake", description="store engine")
    db_url: str | None = Field(default=None, description="URL or path for engines that need one")
    lake_data_path: str | None = Field(default=None, description="DuckLake Parquet folder or s3://bucket/prefix")
    # the lake's data on S3-compatible object storage (HPDP_LAKE_DATA_PATH=s3://...)
    s3_endpoint: str | None = Field(default=None, description="host:port or URL of the S3 server (default: AWS)")
    s3_region: str = Field(default="us-east-1", description="S3 region")
    s3_url_style: str | None = Field(default=None, description="path or vhost (default: path with an endpoint)")
    s3_use_ssl: bool | None = Field(default=None, description="HTTPS to S3 (default: the endpoint URL's, else on)")
    s3_key_id: str | None = Field(default=None, description="S3 access key id")
    s3_secret: SecretStr | None = Field(default=None, description="S3 secret access key (never printed or logged)")
    processor_engine: str = Field(default="polars", description="dataframe engine")
    output_format: str = Field(default="polars", description="result type of hp.sql and hp.table")
    extension_dir: Path | None = Field(default=None, description="DuckDB extension folder")
    sources_file: Path | None = Field(default=None, description="sources.yaml (default: in HPDP_HOME)")
    # notebook runs
    runner: str = Field(default="papermill", description="notebook runner")
    run_kernel: str = Field(default="python3", description="kernel of every run (python3: this environment)")
    run_pool_size: int = Field(default=0, ge=0, description="warm kernels kept ready by an in-process runner")
    queue: str = Field(default="thread", description="run queue: thread (local) or redis")
    queue_workers: int = Field(default=2, ge=1, description="runs at once in the thread queue")
    queue_name: str = Field(default="hpdp", description="Redis queue name")
    redis_url: str | None = Field(default=None, description="Redis URL for the redis queue")
    tracker: str = Field(default="mlflow", description="run tracker: mlflow or memory")
    mlflow_tracking_uri: str | None = Field(default=None, description="default $HPDP_HOME/mlflow.db")
    mlflow_ui_url: str | None = Field(default=None, description="MLflow UI base URL for run links")
    # the MLflow server that hpdp up starts: a tracking server shared by several hosts
    mlflow_backend_url: str | None = Field(default=None, description="its runs (default: the tracking store)")
    mlflow_artifacts: str | None = Field(default=None, description="its artifacts: folder or s3://bucket/prefix")
    mlflow_host: str = Field(default="127.0.0.1", description="its address (beyond loopback: user and password)")
    mlflow_user: str | None = Field(default=None, description="MLflow basic-auth user of the server and its clients")
    mlflow_password: SecretStr | None = Field(default=None, description="that user's password (never printed)")
    webhook_url: str | None = Field(default=None, description="gets a JSON POST on a final failure")
    run_heartbeat_s: float = Field(default=5.0, gt=0, description="how often a running run reports")
    run_stale_after_s: float = Field(default=60.0, gt=0, description="a running run silent this long failed")
    run_log: str = Field(default="sqlite", description="run log: sqlite (runs.sqlite in HPDP_HOME) or postgres")
    run_log_url: str | None = Field(default=None, description="postgresql:// URL of the postgres run log")
    notifier: str = Field(default="webhook", description="failure notices (webhook: to HPDP_WEBHOOK_URL if set)")
    cell_runner: str = Field(default="duckdb", description="runner of SQL cells in notebooks")
    record_queries: float = Field(default=0.0, ge=0, le=1, description="share of %sql/hp.sql queries recorded")
    # insights
    anomaly_detector: str = Field(default="robust", description="unusual rows: robust (median/MAD) or isolation_forest")
    anomaly_sample_rows: int = Field(default=100_000, ge=10, description="rows examined at most (sampled beyond)")
    duration_model: str = Field(default="history", description="run durations: history or gradient_boosting")
    # serving
    events: str | None = Field(default=None, description="event bus: local (events.sqlite) or redis; as the queue")
    serve_host: str = Field(default="127.0.0.1", description="address of hpdp serve (beyond loopback: token)")
    serve_port: int = Field(default=8080, ge=0, le=65535, description="port of the dashboards and APIs")
    serve_token: str | None = Field(default=None, description="bearer token every endpoint asks for when set")
    flight_port: int = Field(default=8815, ge=0, le=65535, description="port of the Arrow Flight endpoint")
    mlflow_ui_port: int = Field(default=5000, ge=0, le=65535, description="port of the MLflow UI started by hpdp up")
    scheduler_pool: int = Field(default=1, ge=0, description="warm kernels of the scheduler started by hpdp up")
    up_workers: int = Field(default=1, ge=1, description="Redis workers started by hpdp up when HPDP_QUEUE=redis")
    up_ready_timeout_s: float = Field(default=120.0, gt=0, description="hpdp up's wait for every part")
    demo_api_port: int = Field(default=8090, ge=0, le=65535, description="port of the demo API (loopback only)")
    serve_cors_origins: str | None = Field(default=None, description="origins (comma-separated) browsers may call from")
    transfer: str = Field(default="flight", description="how hpdp.connect moves rows: flight or json")
    query_max_rows: int = Field(default=100_000, ge=1, description="rows one API query returns at most")
    query_timeout_s: float = Field(default=30.0, gt=0, description="an API query running longer is cancelled")

    def __init__(self, **values: Any) -> None:
        super().__init__(**{**_environment(type(self).model_fields), **values})

    @field_validator("db_engine", "processor_engine", "output_format", "queue", "tracker", "runner", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator(
        "run_log", "notifier", "cell_runner", "events", "transfer", "anomaly_detector", "duration_model", mode="before"
    )
    @classmethod
    def _lower_names(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("lake_data_path", "mlflow_artifacts")
    @classmethod
    def _data_path(cls, value: str | None) -> str | None:
        value = (value or "").strip()
        if not value:
            return None
        scheme, found, rest = value.partition("://")
        if not found:
            return value
        if scheme.lower() != "s3" or not _BUCKET.fullmatch(rest.split("/", 1)[0]):
            raise ValueError("use a folder or s3://bucket/prefix (a bucket name: 3-63 of a-z 0-9 . -)")
        return "s3://" + rest.rstrip("/") + "/"

    @field_validator("mlflow_backend_url")
    @classmethod
    def _backend_url(cls, value: str | None) -> str | None:
        value = (value or "").strip()
        if not value:
            return None
        scheme = value.partition("://")[0].lower().partition("+")[0]
        if "://" not in value or scheme not in _MLFLOW_BACKENDS:
            raise ValueError("use postgresql://user:password@host:port/db or sqlite:///path/to/mlflow.db")
        return value

    @field_validator("mlflow_password")
    @classmethod
    def _password(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and value.get_secret_value() and len(value.get_secret_value()) < 12:
            raise ValueError("use at least 12 characters (MLflow's rule)")
        return value if value is not None and value.get_secret_value() else None

    @field_validator("s3_endpoint")
    @classmethod
    def _endpoint(cls, value: str | None) -> str | None:
        value = (value or "").strip().rstrip("/")
        if not value:
            return None
        scheme, found, rest = value.rpartition("://")
        host, _, port = rest.rpartition(":") if ":" in rest else (rest, "", "0")
        if (found and scheme.lower() not in ("http", "https")) or "/" in rest or not host or not port.isdigit():
            raise ValueError("use host:port or http(s)://host:port")
        return value

    @field_validator("s3_url_style", mode="before")
    @classmethod
    def _url_style(cls, value: Any) -> Any:
        value = value.strip().lower() if isinstance(value, str) else value
        if value not in (None, "", "path", "vhost"):
            raise ValueError("accepted values: path, vhost")
        return value or None

    @field_validator("output_format")
    @classmethod
    def _format(cls, value: str) -> str:
        if value not in OUTPUT_FORMATS:
            raise ValueError(f"accepted values: {', '.join(OUTPUT_FORMATS)}")
        return value

    def resolved_home(self) -> Path:
        return self.home.expanduser().resolve()

    def resolved_sources_file(self) -> Path:
        return (self.sources_file or self.resolved_home() / "sources.yaml").expanduser().resolve()

    def resolved_extension_dir(self) -> Path:
        """Beside the environment (never ~/.duckdb); inside the workspace if that is read-only."""
        if self.extension_dir:
            return self.extension_dir.expanduser().resolve()
        venv_dir = Path(sys.prefix) / "share" / "hpdp" / "duckdb_extensions"
        try:
            venv_dir.mkdir(parents=True, exist_ok=True)
            return venv_dir
        except OSError:
            return self.resolved_home() / "duckdb_extensions"

    def resolved_lake_data_path(self) -> Path | None:
        """The lake's local data folder (None: the default one, or object storage)."""
        if self.lake_data_path is None or self.lake_on_object_storage():
            return None
        return Path(self.lake_data_path).expanduser().resolve()

    def lake_on_object_storage(self) -> bool:
        return (self.lake_data_path or "").startswith("s3://")

    def resolved_s3_endpoint(self) -> tuple[str | None, bool]:
        """host:port (None: the provider's) and whether to use HTTPS."""
        if self.s3_endpoint is None:
            return None, self.s3_use_ssl is not False
        scheme, found, host = self.s3_endpoint.rpartition("://")
        from_url = scheme.lower() == "https" if found else True
        return host, from_url if self.s3_use_ssl is None else self.s3_use_ssl

    def resolved_s3_url_style(self) -> str:
        return self.s3_url_style or ("path" if self.s3_endpoint else "vhost")

    def resolved_events(self) -> str:
        """The event bus follows the queue unless set: workers on other hosts publish where the server reads."""
        return self.events or ("redis" if self.queue == "redis" else "local")

    def resolved_run_log_url(self) -> tuple[str | None, str]:
        """The run log's PostgreSQL URL and the setting it came from: HPDP_RUN_LOG_URL, else a postgresql
        HPDP_DB_URL (the lake's catalog database; the run log keeps to its own schema there)."""
        if self.run_log_url:
            return self.run_log_url, "HPDP_RUN_LOG_URL"
        if self.db_url and self.db_url.startswith(("postgresql://", "postgres://")):
            return self.db_url, "HPDP_DB_URL"
        return None, "HPDP_RUN_LOG_URL"

    def resolved_tracking_uri(self) -> str:
        return self.mlflow_tracking_uri or f"sqlite:///{self.resolved_home() / 'mlflow.db'}"

    def tracking_over_http(self) -> bool:
        return self.resolved_tracking_uri().startswith(("http://", "https://"))

    def mlflow_server_shared(self) -> bool:
        """Whether the MLflow server that `hpdp up` starts is one that other hosts track to: its store, artifacts
        or address given. It then serves artifacts itself, and starts even beside an http tracking URI (its own).
        The user and password do not count: every client host sets them too."""
        return bool(self.mlflow_backend_url or self.mlflow_artifacts) or "mlflow_host" in self.model_fields_set

    def resolved_mlflow_backend_url(self) -> str:
        """Where that server keeps runs, as SQLAlchemy takes it: PostgreSQL through psycopg 3 (the postgres
        extra), the driver hpdp installs; by default the workspace's tracking store."""
        url = self.mlflow_backend_url
        if url is None:
            uri = self.resolved_tracking_uri()
            return f"sqlite:///{self.resolved_home() / 'mlflow.db'}" if self.tracking_over_http() else uri
        scheme, _, rest = url.partition("://")
        return f"postgresql+psycopg://{rest}" if scheme.lower() in ("postgresql", "postgres") else url

    def resolved_mlflow_artifacts(self) -> str:
        """Where that server puts artifacts: s3://bucket/prefix or a folder's file URI."""
        where = self.mlflow_artifacts
        if where is None:
            return (self.resolved_home() / "mlruns").as_uri()
        if where.startswith("s3://"):
            return where.rstrip("/")
        return Path(where).expanduser().resolve().as_uri()

    def mlflow_credentials(self) -> tuple[str, str] | None:
        """The MLflow user and password (the server's admin, and what clients send); None: no basic auth."""
        password = self.mlflow_password.get_secret_value() if self.mlflow_password else ""
        if bool(self.mlflow_user) != bool(password):
            raise ConfigError(
                "HPDP_MLFLOW_USER and HPDP_MLFLOW_PASSWORD go together: set both for MLflow's basic auth, or neither."
            )
        return (self.mlflow_user, password) if self.mlflow_user and password else None

    def __repr_args__(self) -> Any:
        """As pydantic shows it, with passwords in URLs masked (SecretStr fields mask themselves)."""
        for name, value in super().__repr_args__():
            yield name, mask_secret(value) if isinstance(value, str) and str(name).endswith("url") else value

    def masked(self) -> dict[str, str]:
        """The effective settings as HPDP_ variables, secrets masked."""
        out = {}
        for name, value in self.model_dump().items():
            text = "" if value is None else str(value)
            if isinstance(value, SecretStr):
                text = "***"
            elif value is not None and (name.endswith("url") or any(w in name for w in _SECRET_WORDS)):
                text = mask_secret(text)
            out[f"HPDP_{name.upper()}"] = text
        return out


def _environment(fields: Mapping[str, Any]) -> dict[str, str]:
    """HPDP_ values of `.env` (in the working folder), then of the environment, which wins."""
    found: dict[str, str] = {}
    if os.path.isfile(ENV_FILE):
        from dotenv import dotenv_values

        found.update(_ours(dotenv_values(ENV_FILE), fields))
    found.update(_ours(os.environ, fields))
    return found


def _ours(values: Mapping[str, str | None], fields: Mapping[str, Any]) -> dict[str, str]:
    out = {}
    for key, value in values.items():
        name = key[len(PREFIX) :].lower() if key.upper().startswith(PREFIX) else None
        if name in fields and value is not None:
            out[name] = value
    return out


def mask_secret(text: str) -> str:
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(text)
    except ValueError:
        return "***"
    if parts.password:
        return text.replace(f":{parts.password}@", ":***@", 1)
    if parts.scheme and parts.netloc:
        return text
    return "***" if text else text


def load_settings(**overrides: Any) -> Settings:
    """Settings or one sentence naming the bad variable, its value and what is accepted."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else "?"
        message = error["msg"].removeprefix("Value error, ")
        shown = "***" if any(word in field for word in _SECRET_WORDS) else repr(error.get("input"))
        if field.endswith("url") and isinstance(error.get("input"), str):
            shown = repr(mask_secret(error["input"]))
        raise ConfigError(f"HPDP_{field.upper()}={shown} is not valid: {message}.") from None
