"""hpdp: a local-first, high-performance data workbench centred on Jupyter.

import hpdp
hp = hpdp.open()
hp.sql("SELECT 42")
remote = hpdp.connect("http://host:8080", token="...")  # the same calls on a server's store
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hpdp.application.transfer import AbstractTransfer
    from hpdp.application.workbench import Workbench

__all__ = ["__version__", "connect", "load_ipython_extension", "log_metric", "open"]
__version__ = "0.1.0"


def open(**settings: Any) -> Workbench:
    """The bootstrapped workbench; keyword arguments override HPDP_* settings (e.g. db_engine="memory")."""
    from hpdp.infrastructure.bootstrap import bootstrap
    from hpdp.infrastructure.settings import load_settings

    return bootstrap(load_settings(**settings))


def connect(url: str, *, token: str | None = None, transfer: str | None = None, **options: Any) -> AbstractTransfer:
    """A workbench on a remote hpdp server (`hpdp serve`): `.tables()`, `.table()`, `.sql()`, `.write()`.

    `transfer`: "flight" (Arrow Flight, the default) or "json" (the HTTP API), else HPDP_TRANSFER; options:
    `flight_url`, `format` (polars, pandas or arrow), `timeout_s`.
    """
    from hpdp.infrastructure.remote import connect as _connect

    return _connect(url, token=token, transfer=transfer, **options)


def load_ipython_extension(ip: Any) -> None:
    """`%load_ext hpdp`: the `%sql` line magic and `%%sql` cell magic on the hpdp store."""
    from hpdp.presentation.magic.magic import load

    load(ip)


def log_metric(name: str, value: float, step: int | None = None) -> bool:
    """Inside a notebook run, record a metric into the run's tracked run; returns False outside a run."""
    from hpdp.application.metrics import log_metric as _log_metric

    return _log_metric(name, value, step)
