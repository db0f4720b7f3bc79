"""Reads of our own SQL for the pages (profiles, histograms): small aggregated results at a snapshot.

Everything goes through the container's read-only query service, so its time limit applies too.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa


def quote(name: str) -> str:
    """A table or column name as a quoted SQL identifier (`schema.table` keeps its dot)."""
    return ".".join('"' + part.replace('"', '""') + '"' for part in name.split("."))


def aggregate(container: Any, query: str, as_of: int | None = None) -> pa.Table:
    return container.queries().sql(query, as_of=as_of)
