"""Values and rules of API ingestion: what a source declares, how a cursor moves, what a load records."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from hpdp.domain.errors import ConfigError, ErrorKind, NotFoundError, TaskFailedError
from hpdp.domain.model import WriteMode, merge_keys, table_name


class SourceError(TaskFailedError):
    """A source answered something hpdp cannot load (bad body, HTTP error, gave up retrying)."""

    code = "source_failed"


class PaginationError(SourceError):
    """The paginator looped or stopped before the declared number of rows."""

    code = "source_pagination_failed"


class SchemaDriftError(SourceError):
    """The data no longer fits the table's declared (frozen) or compatible schema."""

    code = "source_schema_drift"


class CatalogError(ConfigError):
    """The sources catalog has an entry hpdp cannot use."""

    code = "catalog_invalid"


class SourceNotFoundError(CatalogError, NotFoundError):
    """The sources catalog has no source of the given name."""

    kind, code = ErrorKind.NOT_FOUND, "source_not_found"


class SchemaPolicy(StrEnum):
    EVOLVE = "evolve"
    FROZEN = "frozen"


class LoadStatus(StrEnum):
    OK = "ok"
    FAILED = "failed"


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)?\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_lag(value: Any) -> float:
    """A lookback: a number (same unit as the cursor, seconds for timestamps) or '30s', '15m', '2h', '1d'."""
    if value is None:
        return 0.0
    if isinstance(value, bool):
        raise ConfigError(f"lag {value!r} is not a duration", hint="write a number or e.g. '15m', '2h', '1d'.")
    if isinstance(value, int | float):
        return float(value)
    match = _DURATION.match(str(value))
    if not match:
        raise ConfigError(f"lag {value!r} is not a duration", hint="write a number or e.g. '15m', '2h', '1d'.")
    return float(match.group(1)) * _UNITS[match.group(2) or "s"]


def parse_time(text: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed


def _format_like(moment: datetime, original: str) -> str:
    text = moment.isoformat()
    if original.endswith("Z") and text.endswith("+00:00"):
        text = text.removesuffix("+00:00") + "Z"
    return text


@dataclass(frozen=True)
class Incremental:
    """A cursor field: only rows at or after (last value - lag) are requested."""

    field: str
    lag: float = 0.0
    initial: Any = None
    param: str | None = None

    def start(self, last: Any) -> Any:
        """Where the next load starts: the stored cursor moved back by the lag (or the initial value)."""
        if last is None:
            return self.initial
        if isinstance(last, bool):
            return last
        if isinstance(last, int | float):
            moved = last - self.lag
            return int(moved) if isinstance(last, int) and float(moved).is_integer() else moved
        if isinstance(last, str):
            moment = parse_time(last)
            if moment is not None:
                return _format_like(moment - timedelta(seconds=self.lag), last)
        if isinstance(last, datetime):
            return last - timedelta(seconds=self.lag)
        return last


@dataclass(frozen=True)
class SourceSpec:
    """One named entry of the sources catalog."""

    name: str
    kind: str
    url: str
    table: str
    mode: WriteMode = WriteMode.APPEND
    key: tuple[str, ...] = ()
    records: str | None = None
    pagination: dict[str, Any] = field(default_factory=dict)
    incremental: Incremental | None = None
    schema: SchemaPolicy = SchemaPolicy.EVOLVE
    options: dict[str, Any] = field(default_factory=dict, repr=False)
    secrets: tuple[str, ...] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        table_name(self.table)
        merge_keys(self.mode, self.key)

    def __repr__(self) -> str:
        return self.redact(
            f"SourceSpec(name={self.name!r}, kind={self.kind!r}, url={self.url!r}, table={self.table!r}, "
            f"mode={self.mode.value!r})"
        )

    def redact(self, text: str) -> str:
        """Text safe to show or store: every secret taken from the environment replaced by ***."""
        for secret in sorted(self.secrets, key=len, reverse=True):
            if secret:
                text = text.replace(secret, "***")
        return text

    def option(self, name: str, default: Any = None) -> Any:
        return self.options.get(name, default)


@dataclass(frozen=True)
class LoadRecord:
    """One row of load history."""

    load_id: str
    source: str
    table: str
    started: datetime
    finished: datetime
    status: LoadStatus
    rows: int = 0
    pages: int = 0
    mode: str = ""
    cursor: str | None = None
    snapshot: int | None = None
    error: str | None = None

    @property
    def seconds(self) -> float:
        return (self.finished - self.started).total_seconds()

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


def utcnow() -> datetime:
    return datetime.now(UTC)
