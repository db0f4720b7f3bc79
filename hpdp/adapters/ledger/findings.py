"""Findings on the store: `hpdp_meta.findings`, one row per finding, merged on its id."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hpdp.adapters.ledger.tables import SCHEMA, dumps, loads, table, utc
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
        store.ensure_schema(SCHEMA)  # before any task runs beside the ledger's writer
        self.table = table(store, "findings")

    def upsert(self, finding: Finding) -> None:
        self.upsert_many([finding])

    def upsert_many(self, findings: list[Finding]) -> None:
        if findings:
            self.store.write(self.table, _rows(findings), WriteMode.MERGE, "id")

    def list(self, status: str | None = None) -> list[Finding]:
        where, params = ("", None) if status is None else (" WHERE status = ?", [status])
        try:
            rows = self.store.sql(f"SELECT * FROM {self.table}{where} ORDER BY created", params, format="arrow")
        except UnknownTableError:
            return []
        return [_finding(r) for r in rows.to_pylist()]


def _rows(findings: list[Finding]) -> pa.Table:
    import pyarrow as pa

    ts = pa.timestamp("us", tz="UTC")
    return pa.table(
        {
            "id": [f.id for f in findings],
            "kind": [f.kind for f in findings],
            "subject": [f.subject for f in findings],
            "severity": [f.severity for f in findings],
            "status": [f.status for f in findings],
            "message": [f.message for f in findings],
            "since": [f.since for f in findings],
            "evidence": [dumps(f.evidence) for f in findings],
            "created": pa.array([f.created for f in findings], ts),
            "updated": pa.array([f.updated for f in findings], ts),
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
