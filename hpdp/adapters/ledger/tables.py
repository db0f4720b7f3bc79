"""Where the ledger's tables live in a store, and the JSON and time helpers both adapters share."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from hpdp.application.store_ports import AbstractStore
from hpdp.domain.ledger import META_SCHEMA

SCHEMA = META_SCHEMA


def table(store: AbstractStore, name: str) -> str:
    """`hpdp_meta.<name>`, or a hidden main-schema table on stores with one schema (SQLite)."""
    return f"{SCHEMA}.{name}" if store.named_schemas else f"_{SCHEMA}_{name}"


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def loads(text: str | None) -> Any:
    return json.loads(text) if text and text != "{}" else {}


def utc(value: datetime | str | None) -> datetime | None:
    """A stored time as an aware UTC datetime (SQLite gives text back, DuckDB naive or aware datetimes)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
