"""Domain objects as plain JSON-ready dicts, the same for REST and the event stream's readers."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hpdp.application.schedules import ScheduleView
    from hpdp.domain.durations import Prediction
    from hpdp.domain.findings import Finding
    from hpdp.domain.model import Snapshot, TableInfo, WriteResult
    from hpdp.domain.runs import RunRecord, Schedule
    from hpdp.domain.sources import LoadRecord, SourceSpec


def when(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def table(info: TableInfo) -> dict[str, Any]:
    return {"name": info.name, "rows": info.rows}


def snapshot(s: Snapshot) -> dict[str, Any]:
    return {"id": s.id, "time": when(s.time), "changes": s.changes, "tables": list(s.tables)}


def written(result: WriteResult) -> dict[str, Any]:
    return {
        "table": result.table,
        "mode": result.mode.value,
        "rows_written": result.rows_written,
        "snapshot": result.snapshot,
    }


def source(name: str, spec: SourceSpec, last: LoadRecord | None) -> dict[str, Any]:
    return {
        "name": name,
        "kind": spec.kind,
        "table": spec.table,
        "mode": spec.mode.value,
        "cursor_field": spec.incremental.field if spec.incremental else None,
        "last_load": load(last) if last else None,
    }


def load(r: LoadRecord) -> dict[str, Any]:
    return {
        "load_id": r.load_id,
        "source": r.source,
        "table": r.table,
        "started": when(r.started),
        "finished": when(r.finished),
        "status": r.status.value,
        "rows": r.rows,
        "pages": r.pages,
        "seconds": r.seconds,
        "mode": r.mode,
        "snapshot": r.snapshot,
        "error": r.error,
    }


def finding(f: Finding) -> dict[str, Any]:
    return f.as_dict()


def prediction(p: Prediction) -> dict[str, Any]:
    return {
        "estimate_s": p.estimate,
        "low_s": p.low,
        "high_s": p.high,
        "interval": 0.8,
        "method": p.method or None,
        "runs": p.runs,
        "reason": p.reason,
        "text": p.sentence(),
    }


def run(r: RunRecord) -> dict[str, Any]:
    req = r.request
    return {
        "id": r.id,
        "notebook": req.notebook,
        "notebook_name": Path(req.notebook).name,
        "parameters": req.parameters,
        "experiment": req.experiment,
        "schedule": req.schedule,
        "attempt": req.attempt,
        "status": r.status.value,
        "queue": r.queue,
        "created": when(r.created),
        "started": when(r.started),
        "ended": when(r.ended),
        "duration_s": r.duration_s,
        "output_path": r.output_path,
        "tracking_id": r.tracking_id,
        "tracking_url": r.tracking_url,
        "reason": r.reason,
        "worker": r.worker,
        "host": r.host,
    }


def schedule(s: Schedule, next_due: datetime | None) -> dict[str, Any]:
    out = asdict(s)
    out.update(
        missed=s.missed.value,
        last_due=when(s.last_due),
        created=when(s.created),
        next_due=when(next_due),
        state="paused" if s.paused else "active",
    )
    return out


def schedule_view(view: ScheduleView) -> dict[str, Any]:
    return schedule(view.schedule, view.next_due)
