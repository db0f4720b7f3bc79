"""`hpdp.log_metric` inside a notebook run: metrics go beside the run and into its tracked run at the end."""

from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path
from typing import Any

from hpdp.domain.runs import MetricError

RUN_DIR_PARAMETER = "hpdp_run_dir"
METRICS_FILE = "metrics.jsonl"


def current_run_dir() -> Path | None:
    """The folder of the run executing this kernel, from the parameter hpdp injects (None outside a run)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    value = shell.user_ns.get(RUN_DIR_PARAMETER) if shell is not None else None
    return Path(value) if value else None


def log_metric(name: str, value: Any, step: int | None = None, *, run_dir: str | Path | None = None) -> bool:
    """Record a metric for the current run; returns False (and records nothing) outside a run."""
    if not isinstance(name, str) or not name.strip():
        raise MetricError("A metric needs a non-empty name such as 'accuracy'.")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise MetricError(f"Metric {name!r} must be a number, not {value!r}.") from None
    if math.isnan(number) or math.isinf(number):
        raise MetricError(f"Metric {name!r} must be a finite number, not {value!r}.")
    folder = Path(run_dir) if run_dir is not None else current_run_dir()
    if folder is None:
        return False
    folder.mkdir(parents=True, exist_ok=True)
    line = json.dumps({"name": name, "value": number, "step": step, "time": time.time()})
    with (folder / METRICS_FILE).open("a", encoding="utf-8") as out:
        out.write(line + "\n")
    return True
