"""What follows a failed run: a retry with backoff for a scheduled run, a notice after the final failure.

Both the run use cases (a failed or abandoned run) and the scheduler rely on this rule, so it lives apart.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from hpdp.application.clock import Clock
from hpdp.application.runs_ports import AbstractNotifier, AbstractRunLog
from hpdp.domain.runs import RunRecord, RunRequest, RunStatus, ScheduleError

log = logging.getLogger(__name__)


def after_failure(run_log: AbstractRunLog, notifier: AbstractNotifier | None, clock: Clock, record: RunRecord) -> None:
    """A failed scheduled run waits for a retry with backoff; the final failure goes to the notifier."""
    req = record.request
    schedule = None
    if req.schedule:
        try:
            schedule = run_log.get_schedule(req.schedule)
        except ScheduleError:
            schedule = None
    if schedule is not None and req.attempt <= schedule.retries:
        attempt = req.attempt + 1
        now = clock()
        retry = RunRecord(
            id=f"{record.id.rsplit('-r', 1)[0]}-r{attempt}",
            request=RunRequest(**{**req.__dict__, "attempt": attempt}),
            status=RunStatus.WAITING,
            queue=record.queue,
            created=now,
            not_before=now + timedelta(seconds=schedule.retry_delay(attempt)),
        )
        run_log.add(retry)
        return
    if notifier is None:
        return
    payload: dict[str, Any] = {
        "run_id": record.id,
        "notebook": req.notebook,
        "schedule": req.schedule,
        "attempt": req.attempt,
        "status": record.status.value,
        "reason": record.reason,
        "output_notebook": record.output_path,
        "tracking_url": record.tracking_url,
    }
    try:
        notifier.notify("run.failed", payload)
    except Exception:
        log.exception("failure notice for run %s could not be sent", record.id)
