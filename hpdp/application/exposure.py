"""Who may reach a server: only this machine, unless a token (or a password) guards every endpoint."""

from __future__ import annotations

import ipaddress

from hpdp.domain.errors import ConfigError


class TokenRequiredError(ConfigError):
    code = "serve_token_required"


class TrackingAuthRequiredError(ConfigError):
    code = "mlflow_auth_required"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_exposure(host: str, token: str | None) -> None:
    """A server bound beyond loopback refuses to start without a token."""
    if not token and not is_loopback(host):
        raise TokenRequiredError(f"Serving on {host} reaches other machines, so a token is required.")


def check_tracking_exposure(host: str, authenticated: bool) -> None:
    """The MLflow server bound beyond loopback refuses to start without basic auth: anyone on the network
    could otherwise read and change every run."""
    if not authenticated and not is_loopback(host):
        raise TrackingAuthRequiredError(
            f"The MLflow server on {host} reaches other machines, so set HPDP_MLFLOW_USER and HPDP_MLFLOW_PASSWORD "
            "(or HPDP_MLFLOW_HOST=127.0.0.1)."
        )
