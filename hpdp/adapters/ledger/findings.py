"""Findings on the store: `hpdp_meta.findings`, one row per finding, merged on its id."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hpdp.adapters.ledger.tables import dumps, loads, table, utc
from hpdp.application.ledger import AbstractFindingStore
from hpdp.application.store_ports import AbstractStore
from hpdp.domain.errors import UnknownTableError
from hpdp.domain.findings import Finding
from hpdp.domain.model import WriteMode

if TYPE_CHECKING:
    import pyarrow as pa


class LakeFindingStore(AbstractFindingStore):
    def __init__(self, store: AbstractStore) -> None:
        self.store = store
        self.table = table(store, "findings")

    def upsert(self, finding: Finding) -> None:
        self.store.write(self.table, _row(finding), WriteMode.MERGE, "id")

    def list(self, status: str | None = None) -> list[Finding]:
        where, params = ("", None) if status is None else (" WHERE status = ?", [status])
        try:
            rows = self.store.sql(f"SELECT * FROM {self.table}{where} ORDER BY created", params, format="arrow")
        except UnknownTableError:
            return []
        return [_finding(r) for r in rows.to_pylist()]


def _row(f: Finding) -> pa.Table:
    import pyarrow as pa

    ts = pa.timestamp("us", tz="UTC")
    return pa.table(
        {
            "id": [f.id],
            "kind": [f.kind],
            "subject": [f.subject],
            "severity": [f.severity],
            "status": [f.status],
            "message": [f.message],
            "since": [f.since],
            "evidence": [dumps(f.evidence)],
            "created": pa.array([f.created], ts),
            "updated": pa.array([f.updated], ts),
        }
    )


def _finding(row: dict[str, Any]) -> Finding:
    return Finding(
        id=row["id"],
        kind=row["kind"],
        subject=row["subject"],
        severity=row["severity"],
        message=row["message"],
        since=row["since"],
        evidence=loads(row["evidence"]),
        status=row["status"],
        created=utc(row["created"]),
        updated=utc(row["updated"]),
    )
