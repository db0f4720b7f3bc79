"""What `hpdp up` starts: the scheduler (or Redis workers), `hpdp serve` and the MLflow server, on loopback (the
MLflow server where HPDP_MLFLOW_HOST says), from the workspace's settings: each child's command line, environment,
log file, readiness probe, ports and URLs.

Command lines name this CLI's own commands and flags, so the plan belongs to the CLI; the supervision rule
(hpdp.application.supervision) and how processes start and stop (hpdp.infrastructure.processes) do not."""

from __future__ import annotations

import os
import secrets
import socket
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from hpdp.application.exposure import check_tracking_exposure
from hpdp.application.supervision import ChildSpec
from hpdp.domain.errors import InvalidInputError, UnsupportedError
from hpdp.infrastructure.probes import HOST, Port, http_answers, log_says, tcp_open
from hpdp.infrastructure.settings import Settings, mask_secret

PARTS = ("serve", "scheduler", "worker", "mlflow")
# what each host runs when the platform spans several: `hpdp up --role server,scheduler` on one, `worker` on others
ROLES = {"server": ("serve", "mlflow"), "scheduler": ("scheduler",), "worker": ("worker",)}
DEMO = "demo-api"
_ANY = ("0.0.0.0", "::", "[::]", "")  # bound to every address of the host
Probe = Callable[[], bool] | str


@dataclass
class Plan:
    children: list[ChildSpec] = field(default_factory=list)
    ports: list[Port] = field(default_factory=list)
    urls: list[tuple[str, str]] = field(default_factory=list)
    logs: Path | None = None
    demo_url: str | None = None  # the demo API's base URL when the demo runs

    def without_demo(self) -> None:
        """Leave the demo API out (a workspace with data of its own is not seeded)."""
        self.children = [c for c in self.children if c.name != DEMO]
        self.ports = [p for p in self.ports if p.setting != "HPDP_DEMO_API_PORT"]
        self.urls = [u for u in self.urls if u[0] != "demo API"]
        self.demo_url = None


def parse_parts(only: str | None, queue: str, role: str | None = None) -> list[str]:
    """The parts to start: every one by default (workers only with the Redis queue), the named parts
    (`--only`), or those of the named roles (`--role`)."""
    if only and role:
        raise InvalidInputError("Use --only or --role, not both: --role names what a host runs, --only its parts.")
    if role:
        wanted = _names(role, "--role", tuple(ROLES))
        parts = {p for r in wanted for p in ROLES[r]}
    elif only:
        parts = set(_names(only, "--only", PARTS))
    else:
        return [p for p in PARTS if p != "worker" or queue == "redis"]
    if "worker" in parts and queue != "redis":
        raise UnsupportedError(
            "Workers serve the Redis queue: set HPDP_QUEUE=redis and HPDP_REDIS_URL, or leave out worker."
        )
    return [p for p in PARTS if p in parts]


def _names(text: str, option: str, known: tuple[str, ...]) -> list[str]:
    wanted = [n.strip().lower() for n in text.split(",") if n.strip()]
    if not wanted or any(n not in known for n in wanted):
        raise InvalidInputError(
            f"{option} {text!r} names no known part; use a comma-separated list of {', '.join(known)}."
        )
    return wanted


def plan(settings: Settings, roles: Iterable[str], *, debug: bool = False, demo: bool = False) -> Plan:
    """Children and URLs for `roles` (port 0 in a setting: a free port picked now), and with `demo` the demo
    API that the demo's sources load from."""
    roles = list(roles)
    home = settings.resolved_home()
    logs = None if debug else home / "logs"
    serve_port, flight_port, ui_port = (
        _pick(settings.serve_port),
        _pick(settings.flight_port),
        _pick(settings.mlflow_ui_port),
    )
    over_http = settings.tracking_over_http()
    # an http tracking URI names a server elsewhere, unless this host's MLflow server settings say it is ours
    serves_mlflow = "mlflow" in roles and (settings.mlflow_server_shared() or not over_http)
    bind = settings.mlflow_host
    if serves_mlflow:
        check_tracking_exposure(bind, settings.mlflow_credentials() is not None)
    local_ui = f"http://{_reach(bind)}:{ui_port}"  # where this host's processes reach the server
    ui_url = settings.mlflow_ui_url or (
        mask_secret(settings.resolved_tracking_uri())
        if over_http
        else f"http://{_shown(bind)}:{ui_port}"
        if "mlflow" in roles
        else None
    )
    serve_host = settings.serve_host
    env = {"HPDP_HOME": str(home), "HPDP_SERVE_HOST": serve_host}
    if ui_url:
        env["HPDP_MLFLOW_UI_URL"] = ui_url
    if serves_mlflow and settings.mlflow_server_shared() and not over_http:
        env["HPDP_MLFLOW_TRACKING_URI"] = local_ui  # the scheduler and workers track through the shared server
    hpdp = [sys.executable, "-m", "hpdp", *(["--debug"] if debug else [])]
    out = Plan(logs=logs)

    def child(name: str, command: list[str], ready: Probe, extra: dict[str, str] | None = None) -> None:
        """`ready` as a text: the child answers once its log shows that text (at once when it has no log)."""
        log = None if logs is None else logs / f"{name}.log"
        if isinstance(ready, str):
            ready = _always if log is None else partial(log_says, log, ready)
        out.children.append(ChildSpec(name, command, {**env, **(extra or {})}, log, ready))

    if "scheduler" in roles:
        pool = 0 if settings.queue == "redis" else settings.scheduler_pool
        child("scheduler", [*hpdp, "scheduler", "--pool", str(pool)], "Scheduler ")
    if "worker" in roles:
        for n in range(1, settings.up_workers + 1):
            child(f"worker-{n}", [*hpdp, "worker", "--pool", str(settings.scheduler_pool)], "Worker ")
    if "serve" in roles:
        reach = _reach(serve_host)
        ports = {"HPDP_SERVE_PORT": str(serve_port), "HPDP_FLIGHT_PORT": str(flight_port)}
        child(
            "serve", [*hpdp, "serve"], partial(_serve_ready, f"http://{reach}:{serve_port}", reach, flight_port), ports
        )
        out.ports += [
            Port("HPDP_SERVE_PORT", serve_port, serve_host),
            Port("HPDP_FLIGHT_PORT", flight_port, serve_host),
        ]
        base = f"http://{reach}:{serve_port}"
        out.urls += [
            ("dashboards", f"{base}/"),
            ("REST API", f"{base}/api/v1   (docs {base}/docs)"),
            ("GraphQL", f"{base}/graphql"),
            ("Flight", f"grpc://{reach}:{flight_port}"),
        ]
    if serves_mlflow:
        probe = partial(http_answers, f"{local_ui}/health")
        command, server_env = _mlflow_server(settings, ui_port)
        child("mlflow", command, probe, server_env)
        out.ports.append(Port("HPDP_MLFLOW_UI_PORT", ui_port, host=bind))
    if ui_url and "mlflow" in roles:
        out.urls.append(("MLflow UI", ui_url))
    if demo:
        port = _pick(settings.demo_api_port)
        out.demo_url = f"http://{HOST}:{port}"
        probe = partial(http_answers, f"{out.demo_url}/flights?per_page=1")
        child(DEMO, [*hpdp, "demo-api", "--port", str(port)], probe)
        out.ports.append(Port("HPDP_DEMO_API_PORT", port))
        out.urls.append(("demo API", f"{out.demo_url}/flights"))
    return out


def demo_wanted(settings: Settings) -> bool:
    """Whether the demo API runs: on a first start (seeding then checks that the workspace is empty), and on
    every start of a workspace whose sources catalog loads from it."""
    import yaml

    from hpdp.application.demo_setup import loads_from_demo

    catalog = settings.resolved_sources_file()
    if not catalog.exists():
        return True
    try:
        entries = (yaml.safe_load(catalog.read_text(encoding="utf-8")) or {}).get("sources") or {}
    except (OSError, yaml.YAMLError, AttributeError):
        return False
    return loads_from_demo(entries)


def _pick(port: int) -> int:
    if port:
        return port
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _serve_ready(base: str, host: str, flight_port: int) -> bool:
    return http_answers(f"{base}/api/v1/info") and tcp_open(host.strip("[]"), flight_port)


def _always() -> bool:
    return True


def _reach(host: str) -> str:
    """The address this host reaches a server bound to `host` at (loopback for every-address binds), as a URL
    host."""
    if host in _ANY:
        return HOST
    return f"[{host.strip('[]')}]" if ":" in host else host


def _shown(host: str) -> str:
    """The address other hosts reach it at, as far as this host knows (its name when bound to every address)."""
    return socket.gethostname() if host in _ANY else _reach(host)


def _mlflow_server(settings: Settings, port: int) -> tuple[list[str], dict[str, str]]:
    """The MLflow server's command line and environment. Secrets (the backend URL's password, S3 and basic-auth
    credentials) go in the environment only: other users of the host can list command lines."""
    # MLflow's background job consumers (eight processes) serve GenAI evaluation, which runs here never use
    env = {
        "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": os.environ.get("MLFLOW_SERVER_ENABLE_JOB_EXECUTION", "false"),
        "MLFLOW_BACKEND_STORE_URI": settings.resolved_mlflow_backend_url(),
    }
    command = [sys.executable, "-m", "hpdp.adapters.tracking.server", "--host", settings.mlflow_host]
    command += ["--port", str(port), "--workers", "1"]
    if not settings.mlflow_server_shared():  # a UI over the workspace's store, which its clients write directly
        artifacts = settings.resolved_home() / "mlruns"
        command += ["--default-artifact-root", artifacts.as_uri(), "--no-serve-artifacts"]
    else:  # a shared server: clients send artifacts to it over HTTP and need no access to where it keeps them
        destination = settings.resolved_mlflow_artifacts()
        command += ["--serve-artifacts", "--artifacts-destination", destination]
        if destination.startswith("s3://"):
            env |= _s3_environment(settings)
    credentials = settings.mlflow_credentials()
    if credentials is not None:
        command += ["--app-name", "basic-auth"]
        env |= {
            "MLFLOW_AUTH_CONFIG_PATH": str(settings.resolved_home() / "mlflow-auth.ini"),
            "MLFLOW_AUTH_ADMIN_USERNAME": credentials[0],
            "MLFLOW_AUTH_ADMIN_PASSWORD": credentials[1],
            "MLFLOW_FLASK_SERVER_SECRET_KEY": secrets.token_hex(32),  # CSRF of the sign-up form, per start
        }
    return command, env


def _s3_environment(settings: Settings) -> dict[str, str]:
    """The HPDP_S3_* settings as MLflow's S3 client (boto3) reads them."""
    endpoint, use_ssl = settings.resolved_s3_endpoint()
    env = {
        "AWS_DEFAULT_REGION": settings.s3_region,
        "MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE": "path" if settings.resolved_s3_url_style() == "path" else "virtual",
    }
    if endpoint:
        env["MLFLOW_S3_ENDPOINT_URL"] = f"{'https' if use_ssl else 'http'}://{endpoint}"
    if settings.s3_key_id:
        env["AWS_ACCESS_KEY_ID"] = settings.s3_key_id
    if settings.s3_secret:
        env["AWS_SECRET_ACCESS_KEY"] = settings.s3_secret.get_secret_value()
    return env
