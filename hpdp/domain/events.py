"""What happened in the workbench, as small records that every interface can show or forward."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

EVENT_TYPES = (
    "load.started",
    "load.finished",
    "load.failed",
    "run.queued",
    "run.started",
    "run.finished",
    "run.failed",
    "schedule.fired",
    "schedule.changed",
    "snapshot.created",
    "insights.changed",
    "platform.restarted",
)


@dataclass(frozen=True)
class Event:
    """`ids` names what the event concerns: a source and load id, a run id, a schedule, a table and snapshot."""

    type: str
    at: datetime
    ids: Mapping[str, str | int | None] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        at = self.at.astimezone(UTC).isoformat().replace("+00:00", "Z")
        return {"type": self.type, "at": at, **{k: v for k, v in self.ids.items() if v is not None}}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Event:
        rest = {k: v for k, v in data.items() if k not in ("type", "at")}
        at = datetime.fromisoformat(str(data["at"]).replace("Z", "+00:00"))
        return cls(str(data["type"]), at, rest)  # type: ignore[arg-type]
