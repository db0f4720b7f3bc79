"""Predictions kept in the store, table hpdp_meta.predictions (one row per predicted run)."""

from __future__ import annotations

from datetime import UTC, datetime

from hpdp.adapters.ledger.tables import SCHEMA, table
from hpdp.application.durations import AbstractPredictionLog, PredictionRecord
from hpdp.application.store_ports import AbstractStore


class StorePredictionLog(AbstractPredictionLog):
    def __init__(self, store: AbstractStore) -> None:
        self.store = store
        store.ensure_schema(SCHEMA)
        self.table = table(store, "predictions")

    def add(self, record: PredictionRecord) -> None:
        import pyarrow as pa

        row = pa.table(
            {
                "run_id": [record.run_id],
                "subject": [record.subject],
                "estimate_s": [record.estimate],
                "low_s": [record.low],
                "high_s": [record.high],
                "actual_s": pa.array([record.actual], pa.float64()),
                "predicted_at": [datetime.now(UTC).replace(tzinfo=None)],
            }
        )
        self.store.write(self.table, row, "append")

    def list(self) -> list[PredictionRecord]:
        if not self.store.has_table(self.table):
            return []
        rows = self.store.sql(
            f"SELECT run_id, subject, estimate_s, low_s, high_s, actual_s FROM {self.table} ORDER BY predicted_at",
            format="arrow",
        ).to_pylist()
        return [
            PredictionRecord(r["run_id"], r["subject"], r["estimate_s"], r["low_s"], r["high_s"], r["actual_s"])
            for r in rows
        ]
