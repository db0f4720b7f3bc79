"""`hpdp.connect()`: a workbench on a remote hpdp server, through the transfer named by HPDP_TRANSFER."""

from __future__ import annotations

from hpdp.application.transfer import AbstractTransfer, TransferOptions
from hpdp.infrastructure.registries import Registries
from hpdp.infrastructure.settings import Settings, load_settings


def connect(
    url: str,
    *,
    token: str | None = None,
    transfer: str | None = None,
    flight_url: str | None = None,
    format: str | None = None,
    timeout_s: float = 60.0,
    settings: Settings | None = None,
    registries: Registries | None = None,
) -> AbstractTransfer:
    """`transfer`: flight (Arrow streams) or json (the HTTP API); the token defaults to HPDP_SERVE_TOKEN."""
    s = settings or load_settings()
    name = (transfer or s.transfer).strip().lower()
    factory = (registries or Registries()).transfers.get(name)
    options = TransferOptions(
        url=url,
        token=token or s.serve_token,
        flight_url=flight_url,
        output_format=format or s.output_format,
        timeout_s=timeout_s,
    )
    transfer_: AbstractTransfer = factory(options)
    return transfer_
