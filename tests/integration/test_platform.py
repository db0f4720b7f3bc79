"""What `hpdp up` plans from the settings, and the status it leaves in the workspace for `hpdp serve`."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from hpdp.domain.errors import InvalidInputError, UnsupportedError
from hpdp.infrastructure.platform_status import read_status, write_status
from hpdp.infrastructure.probes import taken
from hpdp.infrastructure.settings import Settings
from hpdp.presentation.cli.platform_plan import parse_parts, plan


def test_every_part_by_default_and_workers_only_with_the_redis_queue() -> None:
    assert parse_parts(None, "thread") == ["serve", "scheduler", "mlflow"]
    assert parse_parts(None, "redis") == ["serve", "scheduler", "worker", "mlflow"]
    assert parse_parts("mlflow, serve", "thread") == ["serve", "mlflow"]
    with pytest.raises(InvalidInputError, match="use a comma-separated list"):
        parse_parts("web", "thread")
    with pytest.raises(UnsupportedError, match="HPDP_QUEUE=redis"):
        parse_parts("worker", "thread")


def test_a_role_names_what_one_host_of_several_runs() -> None:
    assert parse_parts(None, "redis", "server") == ["serve", "mlflow"]
    assert parse_parts(None, "redis", "server, scheduler") == ["serve", "scheduler", "mlflow"]
    assert parse_parts(None, "redis", "worker") == ["worker"]
    with pytest.raises(UnsupportedError, match="HPDP_QUEUE=redis"):
        parse_parts(None, "thread", "worker")
    with pytest.raises(InvalidInputError, match="server, scheduler, worker"):
        parse_parts(None, "redis", "web")
    with pytest.raises(InvalidInputError, match="not both"):
        parse_parts("serve", "redis", "server")


def test_serve_listens_where_its_setting_says_and_is_probed_there(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, serve_host="0.0.0.0", serve_port=18080, flight_port=18815, serve_token="s3cr")
    parts = plan(settings, ["serve"])
    assert parts.children[0].env["HPDP_SERVE_HOST"] == "0.0.0.0"
    assert {p.host for p in parts.ports} == {"0.0.0.0"}
    assert dict(parts.urls)["dashboards"] == "http://127.0.0.1:18080/"


def test_the_plan_uses_the_workspace_settings_and_points_run_links_at_the_mlflow_ui(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "ws", serve_port=18080, flight_port=18815, mlflow_ui_port=15000)
    parts = plan(settings, ["serve", "scheduler", "mlflow"])
    names = [c.name for c in parts.children]
    assert names == ["scheduler", "serve", "mlflow"]
    assert [(p.setting, p.number) for p in parts.ports] == [
        ("HPDP_SERVE_PORT", 18080),
        ("HPDP_FLIGHT_PORT", 18815),
        ("HPDP_MLFLOW_UI_PORT", 15000),
    ]
    serve = parts.children[1]
    assert serve.env["HPDP_MLFLOW_UI_URL"] == "http://127.0.0.1:15000"
    assert serve.env["HPDP_SERVE_HOST"] == "127.0.0.1"
    assert serve.log == tmp_path / "ws" / "logs" / "serve.log"
    mlflow = parts.children[2]
    assert mlflow.env["MLFLOW_BACKEND_STORE_URI"] == f"sqlite:///{tmp_path / 'ws' / 'mlflow.db'}"
    assert "--no-serve-artifacts" in mlflow.command  # a UI over the store that this host's runs write directly
    assert dict(parts.urls)["MLflow UI"] == "http://127.0.0.1:15000"
    assert "HPDP_MLFLOW_TRACKING_URI" not in serve.env


def test_a_shared_mlflow_server_keeps_its_secrets_off_the_command_line_and_the_urls(tmp_path: Path) -> None:
    settings = Settings(
        home=tmp_path,
        mlflow_ui_port=15001,
        mlflow_host="0.0.0.0",
        mlflow_backend_url="postgresql://mlf:pg-secret-pw@db:5432/mlflow",
        mlflow_artifacts="s3://ml-art/runs",
        s3_endpoint="http://minio:9000",
        s3_key_id="AKID",
        s3_secret="s3-secret-key",
        mlflow_user="admin",
        mlflow_password="mlflow-secret-pw",
    )
    parts = plan(settings, ["scheduler", "mlflow"])
    scheduler, mlflow = parts.children
    command = " ".join(mlflow.command)
    assert "--serve-artifacts --artifacts-destination s3://ml-art/runs" in command
    assert "--app-name basic-auth" in command and "--host 0.0.0.0" in command
    for secret in ("pg-secret-pw", "s3-secret-key", "mlflow-secret-pw"):
        assert secret not in command and secret not in str(parts.urls) and secret not in str(scheduler.env)
    assert mlflow.env["MLFLOW_BACKEND_STORE_URI"] == "postgresql+psycopg://mlf:pg-secret-pw@db:5432/mlflow"
    assert {k: mlflow.env[k] for k in ("MLFLOW_S3_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")} == {
        "MLFLOW_S3_ENDPOINT_URL": "http://minio:9000",
        "AWS_ACCESS_KEY_ID": "AKID",
        "AWS_SECRET_ACCESS_KEY": "s3-secret-key",
    }
    assert mlflow.env["MLFLOW_AUTH_ADMIN_PASSWORD"] == "mlflow-secret-pw"
    assert mlflow.env["MLFLOW_AUTH_CONFIG_PATH"] == str(tmp_path / "mlflow-auth.ini")
    assert dict(parts.urls)["MLflow UI"] == f"http://{socket.gethostname()}:15001"
    # the scheduler tracks through the server, which it reaches on loopback
    assert scheduler.env["HPDP_MLFLOW_TRACKING_URI"] == "http://127.0.0.1:15001"
    assert [(p.setting, p.host) for p in parts.ports] == [("HPDP_MLFLOW_UI_PORT", "0.0.0.0")]


def test_beyond_loopback_without_auth_up_plans_nothing(tmp_path: Path) -> None:
    from hpdp.application.exposure import TrackingAuthRequiredError

    settings = Settings(home=tmp_path, mlflow_host="10.1.0.1")
    with pytest.raises(TrackingAuthRequiredError, match=r"^The MLflow server on 10\.1\.0\.1 reaches other machines"):
        plan(settings, ["serve", "mlflow"])
    assert plan(settings, ["serve"]).children  # a plan without the MLflow server does not ask


def test_an_http_tracking_uri_is_a_server_elsewhere_unless_this_host_serves_it(tmp_path: Path) -> None:
    elsewhere = Settings(home=tmp_path, mlflow_tracking_uri="http://user:pw-secret@10.1.0.1:5000")
    parts = plan(elsewhere, ["mlflow"])
    assert parts.children == [] and parts.urls == [("MLflow UI", "http://user:***@10.1.0.1:5000")]
    ours = Settings(home=tmp_path, mlflow_tracking_uri="http://10.1.0.1:5000", mlflow_artifacts=str(tmp_path / "a"))
    parts = plan(ours, ["mlflow"])
    assert [c.name for c in parts.children] == ["mlflow"]
    assert "HPDP_MLFLOW_TRACKING_URI" not in parts.children[0].env  # the clients' own setting stays


def test_a_taken_port_is_named_by_its_setting(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        parts = plan(Settings(home=tmp_path, serve_port=port, flight_port=0, mlflow_ui_port=0), ["serve", "mlflow"])
        assert taken(parts.ports) == [
            f"Port {port} is taken: set HPDP_SERVE_PORT to a free port (or stop the program that holds it)."
        ]


def test_the_status_says_not_running_once_the_process_that_wrote_it_is_gone(tmp_path: Path) -> None:
    assert read_status(tmp_path) == {"running": False, "children": [], "restarts": []}
    write_status(tmp_path, {"running": True, "children": [{"name": "serve"}], "restarts": []})
    assert read_status(tmp_path)["running"] is True
    code = (
        "import sys; from pathlib import Path; from hpdp.infrastructure.platform_status import write_status; "
        "write_status(Path(sys.argv[1]), {'running': True, 'children': [], 'restarts': []})"
    )
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=True, timeout=120)
    assert read_status(tmp_path)["running"] is False


def test_the_overview_lists_the_parts_while_up_runs(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from hpdp.presentation.web.pages.overview import platform_rows

    workspace = SimpleNamespace(settings=Settings(home=tmp_path))
    assert platform_rows(workspace) == []
    child = {"name": "serve", "pid": 7, "state": "running", "restarts": 2, "last_exit": -9, "log": "serve.log"}
    write_status(tmp_path, {"running": True, "children": [child], "restarts": []})
    assert platform_rows(workspace) == [
        {"part": "serve", "state": "running", "pid": 7, "restarts": 2, "last exit code": -9, "log": "serve.log"}
    ]


def test_a_client_host_with_the_servers_credentials_starts_no_server_of_its_own(tmp_path: Path) -> None:
    client = Settings(
        home=tmp_path,
        mlflow_tracking_uri="http://10.1.0.1:5000",
        mlflow_user="hpdp",
        mlflow_password="twelve-chars-or-more",
    )
    parts = plan(client, ["scheduler", "mlflow"])
    assert [c.name for c in parts.children] == ["scheduler"]
    assert dict(parts.urls)["MLflow UI"] == "http://10.1.0.1:5000"
    # on loopback over the workspace's store, the UI asks for the same user and password
    local = Settings(home=tmp_path, mlflow_ui_port=15002, mlflow_user="hpdp", mlflow_password="twelve-chars-or-more")
    [mlflow] = plan(local, ["mlflow"]).children
    assert "--no-serve-artifacts" in mlflow.command and "--app-name" in mlflow.command
