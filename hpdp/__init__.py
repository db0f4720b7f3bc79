"""hpdp: a local-first, high-performance data workbench centred on Jupyter.

    import hpdp
    hp = hpdp.open()
    hp.sql("SELECT 42")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hpdp.application.workbench import Workbench

__all__ = ["__version__", "log_metric", "open"]
__version__ = "0.1.0"


def open(**settings: Any) -> Workbench:  # noqa: A001 - the documented entry point
    """The bootstrapped workbench; keyword arguments override HPDP_* settings (e.g. db_engine="memory")."""
    from hpdp.infrastructure.bootstrap import bootstrap
    from hpdp.infrastructure.settings import load_settings

    return bootstrap(load_settings(**settings))


def log_metric(name: str, value: float, step: int | None = None) -> bool:
    """Inside a notebook run, record a metric into the run's tracked run; returns False outside a run."""
    from hpdp.application.metrics import log_metric as _log_metric

    return _log_metric(name, value, step)
