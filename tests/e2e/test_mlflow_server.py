"""`hpdp up --only mlflow` as the tracking server that several hosts share, started by settings alone: runs in
PostgreSQL, artifacts in an S3 bucket it serves itself, MLflow's basic auth on. A run that `hpdp run` tracks
over HTTP lands in both; a request without credentials is refused; no secret shows in any output or log."""

from __future__ import annotations

import signal
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.e2e.runs_cli import env_for, hpdp, runs, start, stop, wait_for
from tests.notebook_factory import write_notebook
from tests.s3_server import S3Server

READY = "Ctrl-C stops everything."
PASSWORD = "mlflow-hunter2-pass"
PG_PASSWORD = "pg-hunter2-secret"  # the test server trusts loopback, so any password passes, and must not show


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Shared:
    env: dict[str, str]
    base: str
    bucket: str
    pg_url: str
    out: Path
    started: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def up(self) -> subprocess.Popen[bytes]:
        process = start(self.env, "up", "--only", "mlflow", "--no-demo", log=self.out)
        self.started.append(process)
        wait_for(lambda: READY in self.out.read_text() or process.poll() is not None, timeout=180)
        assert process.poll() is None, self.out.read_text()
        return process


@pytest.fixture
def shared(workspace: Path, tmp_path: Path, pg_url: str, s3_server: S3Server) -> Iterator[Shared]:
    """Settings of a shared MLflow server on a fresh database and bucket."""
    port = free_port()
    bucket = s3_server.new_bucket()
    backend = pg_url.replace("postgresql://postgres@", f"postgresql://postgres:{PG_PASSWORD}@", 1)
    env = env_for(
        workspace,
        mlflow_ui_port=str(port),
        mlflow_backend_url=backend,
        mlflow_artifacts=f"s3://{bucket}/mlflow",
        s3_endpoint=s3_server.endpoint,
        s3_use_ssl="false",
        s3_key_id=s3_server.key_id,
        s3_secret=s3_server.secret,
        mlflow_user="hpdp-admin",
        mlflow_password=PASSWORD,
    )
    server = Shared(env, f"http://127.0.0.1:{port}", bucket, pg_url, tmp_path / "up.out")
    yield server
    for process in server.started:
        stop(process, signal.SIGKILL)


def status(url: str, auth: tuple[str, str] | None = None) -> int:
    return httpx.get(url, auth=auth, timeout=30).status_code


@pytest.mark.slow
@pytest.mark.kernel
def test_a_run_tracked_over_http_lands_in_postgresql_and_the_bucket_behind_basic_auth(
    shared: Shared, workspace: Path, tmp_path: Path, s3_server: S3Server
) -> None:
    import psycopg

    server = shared.up()
    assert f"MLflow UI  {shared.base}" in shared.out.read_text()

    # a client on another host needs only the URL, the user and the password
    client = {**shared.env, "HPDP_MLFLOW_TRACKING_URI": shared.base}
    job = write_notebook(tmp_path / "job.ipynb", "n = 3\n", "import hpdp\nhpdp.log_metric('total', sum(range(n)))")
    done = hpdp(client, "run", str(job))
    assert done.returncode == 0, done.stdout + done.stderr
    [record] = runs(workspace)
    assert record.tracking_id

    with psycopg.connect(shared.pg_url) as con:
        tracked = con.execute("SELECT status FROM runs WHERE run_uuid = %s", (record.tracking_id,)).fetchall()
        [(location,)] = con.execute(
            "SELECT e.artifact_location FROM experiments e JOIN runs r USING (experiment_id) WHERE r.run_uuid = %s",
            (record.tracking_id,),
        ).fetchall()
    assert tracked == [("FINISHED",)]
    assert location.startswith("mlflow-artifacts:")  # the server writes the bucket: clients never see it
    keys = s3_server.keys(shared.bucket)
    assert any(k.startswith("mlflow/") and record.tracking_id in k and k.endswith(".ipynb") for k in keys), keys

    run = f"{shared.base}/api/2.0/mlflow/runs/get?run_id={record.tracking_id}"
    assert status(run) == 401
    assert status(run, ("hpdp-admin", "wrong-password-1")) == 401
    answer = httpx.get(run, auth=("hpdp-admin", PASSWORD), timeout=30)
    assert answer.status_code == 200 and answer.json()["run"]["data"]["metrics"]
    # doctor, with the server up: its PostgreSQL and bucket answer, and the clients' password is checked
    checked = hpdp(client, "doctor", timeout=120)
    assert f"ok    MLflow tracking at {shared.base} answers" in checked.stdout, checked.stdout
    assert "PostgreSQL at postgresql://postgres:***@" in checked.stdout
    assert f"ok    MLflow artifacts bucket s3://{shared.bucket}/ at {s3_server.endpoint} answers" in checked.stdout
    wrong = hpdp({**client, "HPDP_MLFLOW_PASSWORD": "wrong-password-1"}, "doctor", timeout=120)
    assert f"MLflow tracking at {shared.base} refuses to answer without the right user and password" in wrong.stdout
    shown_by_doctor = checked.stdout + checked.stderr + wrong.stdout + wrong.stderr

    config = workspace / "mlflow-auth.ini"
    assert config.stat().st_mode & 0o077 == 0 and (workspace / "mlflow-auth.db").stat().st_mode & 0o077 == 0
    assert PASSWORD not in config.read_text()
    stop(server, signal.SIGINT, timeout=30)
    assert server.returncode == 0, shared.out.read_text()
    shown = shared.out.read_text()

    # MLflow sets the admin's password only when it creates the user: a changed setting takes at the next start
    shared.env["HPDP_MLFLOW_PASSWORD"] = "a-newer-password-2"
    server = shared.up()
    assert status(run, ("hpdp-admin", "a-newer-password-2")) == 200
    assert status(run, ("hpdp-admin", PASSWORD)) == 401
    stop(server, signal.SIGINT, timeout=30)

    shown += shared.out.read_text() + done.stdout + done.stderr + shown_by_doctor
    shown += "".join(p.read_text(errors="replace") for p in (workspace / "logs").iterdir())
    for secret in (PASSWORD, "a-newer-password-2", PG_PASSWORD, s3_server.secret):
        assert secret not in shown
    assert "Traceback" not in shown


def test_beyond_loopback_without_auth_up_is_one_sentence_and_starts_nothing(workspace: Path) -> None:
    env = env_for(workspace, mlflow_host="0.0.0.0", mlflow_ui_port=str(free_port()))
    done = hpdp(env, "up", "--only", "mlflow", "--no-demo", timeout=120)
    assert done.returncode != 0
    assert done.stderr.strip().splitlines() == [
        "Error: The MLflow server on 0.0.0.0 reaches other machines, so set HPDP_MLFLOW_USER and "
        "HPDP_MLFLOW_PASSWORD (or HPDP_MLFLOW_HOST=127.0.0.1)."
    ]
    assert not (workspace / "logs").exists()
