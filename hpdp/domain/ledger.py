"""The execution ledger's record: one task (a load, a run, a transfer, a query) as it ran."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

# The store's schema of the platform's own bookkeeping (executions, findings, predictions): its commits are not
# versions of anyone's data, so snapshot listings and the current snapshot leave them out.
META_SCHEMA = "hpdp_meta"
KINDS = ("load", "run", "experiment_child", "transfer", "query", "advice")  # advice: an engine measured on a table


@dataclass(frozen=True)
class TaskExecution:
    """One execution of a task, whatever its kind.

    `subject` is stable across executions of the same task (source name, notebook path, query fingerprint),
    so a task's history is its subject's executions. `phases` are seconds per named phase; `links` ties the
    record to the load history, the run log, MLflow and snapshots; `config` says how it ran (engines, parser,
    queue, pool, version) and may carry a column profile (`columns`) or a prediction (`predicted_s`).
    """

    id: str
    kind: str
    subject: str
    started: datetime
    ended: datetime
    parameters: dict[str, Any] = field(default_factory=dict)
    links: dict[str, Any] = field(default_factory=dict)
    host: str = ""
    phases: dict[str, float] = field(default_factory=dict)
    rows: int | None = None
    bytes: int | None = None
    cpu_s: float | None = None
    peak_rss: int | None = None
    outcome: str = "ok"
    error_code: str | None = None
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def duration_s(self) -> float:
        return (self.ended - self.started).total_seconds()

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"

    def parameter_key(self) -> str:
        """The parameters as one comparable text: runs compare only with runs of the same parameters."""
        return json.dumps(self.parameters, sort_keys=True, default=str)

    def but(self, **changes: Any) -> TaskExecution:
        return replace(self, **changes)


_LITERALS = re.compile(r"'(?:[^']|'')*'|\b\d+(?:\.\d+)?\b")
_SPACE = re.compile(r"\s+")


def normalized_sql(sql: str) -> str:
    """The query with literals replaced by `?` and spaces collapsed: queries that differ only in values match."""
    return _SPACE.sub(" ", _LITERALS.sub("?", sql)).strip().rstrip(";").lower()


def query_fingerprint(sql: str) -> str:
    """A stable subject for a query: `q:` and 12 hex digits of its normalized text."""
    return "q:" + hashlib.sha1(normalized_sql(sql).encode()).hexdigest()[:12]
