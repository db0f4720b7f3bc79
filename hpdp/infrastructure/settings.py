"""Settings from the environment and a `.env` file, prefix HPDP_.

Read as pydantic-settings would (arguments over the environment over `.env`; names in any case; other
variables ignored), on a plain pydantic model: pydantic-settings costs 80 ms at every command's start.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from hpdp.domain.errors import ConfigError

OUTPUT_FORMATS = ("polars", "pandas", "arrow")


PREFIX = "HPDP_"
ENV_FILE = ".env"


class Settings(BaseModel):
    model_config = ConfigDict(extra="ignore")

    home: Path = Field(default=Path(".hpdp"), description="workspace folder")
    db_engine: str = Field(default="ducklake", description="store engine")
    db_url: str | None = Field(default=None, description="URL or path for engines that need one")
    lake_data_path: Path | None = Field(default=None, description="DuckLake Parquet folder (shared storage)")
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

    def masked(self) -> dict[str, str]:
        """The effective settings as HPDP_ variables, secrets masked."""
        out = {}
        for name, value in self.model_dump().items():
            text = "" if value is None else str(value)
            if value is not None and ("url" in name or "secret" in name or "token" in name or "password" in name):
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
    if parts.scheme:
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
        raise ConfigError(f"HPDP_{field.upper()}={error.get('input')!r} is not valid: {message}.") from None
