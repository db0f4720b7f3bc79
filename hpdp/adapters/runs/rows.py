"""Rows of the run log tables and the records they hold, shared by the SQL run logs."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from hpdp.domain.runs import MissedPolicy, RunRecord, RunRequest, RunStatus, Schedule

RUN_FIELDS = (
    "id",
    "status",
    "queue",
    "schedule",
    "request",
    "created",
    "started",
    "ended",
    "output_path",
    "tracking_id",
    "tracking_url",
    "reason",
    "worker",
    "heartbeat",
    "not_before",
    "process",
)
# What `update` may change.
RUN_COLUMNS = RUN_FIELDS[1:3] + RUN_FIELDS[6:]


def iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def utc_iso(value: datetime) -> str:
    """One spelling per instant, so that text comparison orders due times."""
    return value.astimezone(UTC).isoformat()


def as_dt(value: str | datetime | None) -> datetime | None:
    if isinstance(value, datetime) or value is None:
        return value
    return datetime.fromisoformat(value) if value else None


def checked_changes(changes: dict[str, Any]) -> dict[str, Any]:
    unknown = set(changes) - set(RUN_COLUMNS)
    if unknown:
        raise ValueError(f"not run columns: {unknown}")
    return {k: v.value if isinstance(v, RunStatus) else v for k, v in changes.items()}


def request_json(request: RunRequest) -> str:
    return json.dumps(request.__dict__, default=str)


def run_record(row: tuple[Any, ...]) -> RunRecord:
    """A run from a row in RUN_FIELDS order."""
    v = dict(zip(RUN_FIELDS, row, strict=True))
    return RunRecord(
        id=v["id"],
        request=RunRequest(**json.loads(v["request"])),
        status=RunStatus(v["status"]),
        queue=v["queue"],
        created=as_dt(v["created"]),  # type: ignore[arg-type]
        started=as_dt(v["started"]),
        ended=as_dt(v["ended"]),
        output_path=v["output_path"],
        tracking_id=v["tracking_id"],
        tracking_url=v["tracking_url"],
        reason=v["reason"],
        worker=v["worker"],
        heartbeat=as_dt(v["heartbeat"]),
        not_before=as_dt(v["not_before"]),
        process=v["process"],
    )


def schedule_body(s: Schedule) -> str:
    body = {k: iso(v) for k, v in s.__dict__.items() if k not in ("paused", "last_due")}
    return json.dumps(body, default=str)


def schedule_from_row(body_text: str, paused: Any, last_due: str | datetime | None) -> Schedule:
    body = json.loads(body_text)
    body["missed"] = MissedPolicy(body["missed"])
    body["created"] = as_dt(body.get("created"))
    return Schedule(**body, paused=bool(paused), last_due=as_dt(last_due))
