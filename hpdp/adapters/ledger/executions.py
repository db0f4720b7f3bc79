"""The ledger on the store: one row per execution in `hpdp_meta.executions`, JSON text for the maps.

`hpdp sql "SELECT kind, subject, duration_s FROM hpdp_meta.executions"` reads it; the maps (parameters,
links, phases, config) are JSON text, so `phases->>'fetch'` works in DuckDB.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from hpdp.adapters.ledger.tables import SCHEMA, dumps, table, utc
from hpdp.application.ledger import AbstractLedger
from hpdp.application.store_ports import AbstractStore
from hpdp.domain.errors import UnknownTableError
from hpdp.domain.ledger import TaskExecution
from hpdp.domain.model import WriteMode

if TYPE_CHECKING:
    import pyarrow as pa

MAPS = ("parameters", "links", "phases", "config")


class LakeLedger(AbstractLedger):
    def __init__(self, store: AbstractStore) -> None:
        self.store = store
        store.ensure_schema(SCHEMA)  # before any task runs beside the ledger's writer
        self.table = table(store, "executions")

    def _record(self, executions: list[TaskExecution]) -> None:
        self.store.write(self.table, _rows(executions), WriteMode.APPEND)

    def executions(
        self,
        kind: str | None = None,
        subject: str | None = None,
        since: datetime | None = None,
        limit: int | None = None,
    ) -> list[TaskExecution]:
        where, params = [], []
        for column, value in (("kind", kind), ("subject", subject)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        if since is not None:
            where.append("started >= ?")
            params.append(since)
        query = f"SELECT * FROM {self.table}"
        if where:
            query += " WHERE " + " AND ".join(where)
        query += " ORDER BY started DESC, id DESC"
        if limit is not None:
            query += f" LIMIT {int(limit)}"
        try:
            data = self.store.sql(query, params or None, format="arrow")
        except UnknownTableError:
            return []
        columns = data.to_pydict()  # column by column: much faster than row dicts for 10k rows
        for m in MAPS:  # one JSON document per column, not one per cell
            columns[m] = json.loads("[" + ",".join(text or "{}" for text in columns[m]) + "]")
        names = list(columns)
        rows = [_execution(dict(zip(names, values, strict=True))) for values in zip(*columns.values(), strict=True)]
        return rows[::-1]


def _rows(executions: list[TaskExecution]) -> pa.Table:
    import pyarrow as pa

    ts = pa.timestamp("us", tz="UTC")
    return pa.table(
        {
            "id": [e.id for e in executions],
            "kind": [e.kind for e in executions],
            "subject": [e.subject for e in executions],
            "started": pa.array([e.started for e in executions], ts),
            "ended": pa.array([e.ended for e in executions], ts),
            "duration_s": pa.array([e.duration_s for e in executions], pa.float64()),
            "outcome": [e.outcome for e in executions],
            "error_code": pa.array([e.error_code for e in executions], pa.string()),
            "host": [e.host for e in executions],
            "rows": pa.array([e.rows for e in executions], pa.int64()),
            "bytes": pa.array([e.bytes for e in executions], pa.int64()),
            "cpu_s": pa.array([e.cpu_s for e in executions], pa.float64()),
            "peak_rss": pa.array([e.peak_rss for e in executions], pa.int64()),
            **{m: [dumps(getattr(e, m)) for e in executions] for m in MAPS},
        }
    )


def _execution(row: dict[str, Any]) -> TaskExecution:
    return TaskExecution(
        id=row["id"],
        kind=row["kind"],
        subject=row["subject"],
        started=utc(row["started"]),  # type: ignore[arg-type]
        ended=utc(row["ended"]),  # type: ignore[arg-type]
        outcome=row["outcome"],
        error_code=row["error_code"],
        host=row["host"] or "",
        rows=row["rows"],
        bytes=row["bytes"],
        cpu_s=row["cpu_s"],
        peak_rss=row["peak_rss"],
        **{m: row[m] for m in MAPS},
    )
