"""`hpdp doctor` as a user runs it: all good on a fresh workspace; a taken port and a Redis that does not
answer each give one line saying what to fix, and exit code 1."""

from __future__ import annotations

import socket
from pathlib import Path

from tests.e2e.runs_cli import env_for, hpdp
from tests.s3_server import S3Server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def doctor_env(home: Path, **settings: str) -> dict[str, str]:
    ports = {name: str(free_port()) for name in ("serve_port", "flight_port", "mlflow_ui_port")}
    return env_for(home, **{**ports, **settings})


def test_a_fresh_workspace_is_all_good(workspace: Path) -> None:
    done = hpdp(doctor_env(workspace / "fresh"), "doctor", timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.strip().splitlines()
    assert all(line.startswith(("ok", "warn")) for line in lines[:-1]), done.stdout
    for found in ("Python 3.11", "DuckDB 1.5.5", "extension ducklake loads", "is writable", "Redis: not configured"):
        assert found in done.stdout
    assert lines[-1] == "Everything needed is in place."


def test_a_taken_port_and_a_silent_redis_each_say_what_to_fix(workspace: Path) -> None:
    closed = free_port()
    env = doctor_env(workspace, queue="redis", redis_url=f"redis://user:hunter2secret@127.0.0.1:{closed}/0")
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", int(env["HPDP_FLIGHT_PORT"])))
        holder.listen()
        done = hpdp(env, "doctor", timeout=120)
    assert done.returncode == 1
    assert "Traceback" not in done.stdout + done.stderr
    assert "hunter2secret" not in done.stdout + done.stderr
    failed = [line for line in done.stdout.splitlines() if line.startswith("FAIL")]
    assert len(failed) == 2, done.stdout
    assert f"Port {env['HPDP_FLIGHT_PORT']} is taken: set HPDP_FLIGHT_PORT to a free port" in failed[0]
    assert f"Redis at redis://user:***@127.0.0.1:{closed}/0 does not answer" in failed[1]
    assert "fix HPDP_REDIS_URL" in failed[1]


def test_the_shared_mlflow_server_checks_its_postgresql_and_its_bucket(workspace: Path, s3_server: S3Server) -> None:
    closed = free_port()
    s3 = {"s3_endpoint": s3_server.endpoint, "s3_use_ssl": "false", "s3_key_id": s3_server.key_id}
    env = doctor_env(
        workspace,
        mlflow_backend_url=f"postgresql://mlf:pg-hunter2@127.0.0.1:{closed}/mlflow",
        mlflow_artifacts="s3://no-such-bucket-here/mlflow",
        s3_secret=s3_server.secret,
        **s3,
    )
    done = hpdp(env, "doctor", timeout=120)
    assert done.returncode == 1
    shown = done.stdout + done.stderr
    assert "Traceback" not in shown and "pg-hunter2" not in shown and s3_server.secret not in shown
    failed = [line for line in done.stdout.splitlines() if line.startswith("FAIL")]
    assert len(failed) == 2, done.stdout
    assert f"PostgreSQL at postgresql://mlf:***@127.0.0.1:{closed}/mlflow does not answer" in failed[0]
    assert failed[0].endswith("start it or fix HPDP_MLFLOW_BACKEND_URL.")
    assert failed[1].endswith(
        f"MLflow artifacts: The bucket 'no-such-bucket-here' does not exist at {s3_server.endpoint}; "
        "create it or fix HPDP_MLFLOW_ARTIFACTS."
    )

    bucket = s3_server.new_bucket()
    env = doctor_env(workspace, mlflow_artifacts=f"s3://{bucket}/mlflow", s3_secret=s3_server.secret, **s3)
    done = hpdp(env, "doctor", timeout=120)
    assert done.returncode == 0, done.stdout
    assert f"MLflow artifacts bucket s3://{bucket}/ at {s3_server.endpoint} answers" in done.stdout
    assert "MLflow server of hpdp up: shared, on 127.0.0.1 (no auth)" in done.stdout
