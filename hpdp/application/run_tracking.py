"""What a run leaves in its tracked run: tags, the notebook's own metrics, the result; and its heartbeat."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hpdp.application.metrics import METRICS_FILE
from hpdp.application.runs_ports import AbstractTracker
from hpdp.domain.runs import Execution, RunRecord

log = logging.getLogger(__name__)


def track_result(tracker: AbstractTracker, run_id: str, result: Execution, run_dir: Path, after: str) -> None:
    metrics = {
        "wall_time_s": result.wall_s,
        "cpu_time_s": result.cpu_s,
        "peak_memory_mb": result.peak_memory_mb,
        "cells_executed": float(result.cells_executed),
    }
    if result.failed_cell is not None:
        metrics["failed_cell"] = float(result.failed_cell)
    tracker.log_metrics(run_id, metrics)
    for name, value, step in notebook_metrics(run_dir):
        tracker.log_metrics(run_id, {name: value}, step=step)
    tags = {"hpdp.snapshot_after": after}
    if result.reason:
        tags["hpdp.failure"] = result.reason[:4000]
    tracker.set_tags(run_id, tags)
    if Path(result.output_path).is_file():
        tracker.log_artifact(run_id, Path(result.output_path))
    tracker.end_run(run_id, "FINISHED" if result.ok else "FAILED")


def run_tags(record: RunRecord, before: str, version: str) -> dict[str, str]:
    req = record.request
    return {
        "hpdp.notebook": req.notebook,
        "hpdp.run_id": record.id,
        "hpdp.queue": record.queue,
        "hpdp.schedule": req.schedule or "",
        "hpdp.attempt": str(req.attempt),
        "hpdp.version": version,
        "hpdp.snapshot_before": before,
    }


def notebook_metrics(run_dir: Path) -> list[tuple[str, float, int]]:
    """Metrics the notebook logged with hpdp.log_metric, in order: (name, value, step)."""
    file = run_dir / METRICS_FILE
    if not file.is_file():
        return []
    out: list[tuple[str, float, int]] = []
    seen: dict[str, int] = {}
    for line in file.read_text().splitlines():
        try:
            item = json.loads(line)
            name, value = str(item["name"]), float(item["value"])
        except (ValueError, KeyError, TypeError):
            continue
        step = item.get("step")
        out.append((name, value, int(step) if isinstance(step, int) else seen.get(name, 0)))
        seen[name] = seen.get(name, 0) + 1
    return out


def text(value: Any) -> str:
    return "" if value is None else str(value)


class Heartbeat:
    def __init__(self, beat: Callable[[], Any], every_s: float) -> None:
        self._beat, self._every = beat, every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="hpdp-heartbeat", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self._every):
            try:
                self._beat()
            except Exception:
                log.exception("heartbeat failed")

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
