"""The shared engines of a platform spread over hosts, each started on one test host and reachable beyond it
only with a password: PostgreSQL (scram), Redis (requirepass) and an S3-compatible store (signed requests)."""

from __future__ import annotations

import secrets
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests import s3_server
from tests.hosts import Host, wait_until

PG_PORT = 5432
AS_POSTGRES = ["runuser", "-u", "postgres", "--"]
REDIS_PORT = 6379


@dataclass
class Engines:
    pg_url: str  # the lake's catalog and the run log
    mlflow_url: str  # the tracking server's runs
    redis_url: str
    s3: s3_server.S3Server | None
    bucket: str
    stops: list[subprocess.Popen[bytes]]
    pg_root: Path
    pg_bin: Path

    def settings(self) -> dict[str, str]:
        """The HPDP_ settings every host of the platform shares."""
        assert self.s3 is not None
        return {
            "HPDP_DB_ENGINE": "ducklake",
            "HPDP_DB_URL": self.pg_url,
            "HPDP_LAKE_DATA_PATH": f"s3://{self.bucket}/lake",
            "HPDP_S3_ENDPOINT": self.s3.endpoint,
            "HPDP_S3_URL_STYLE": "path",
            "HPDP_S3_USE_SSL": "false",
            "HPDP_S3_KEY_ID": self.s3.key_id,
            "HPDP_S3_SECRET": self.s3.secret,
            "HPDP_RUN_LOG": "postgres",
            "HPDP_QUEUE": "redis",
            "HPDP_REDIS_URL": self.redis_url,
        }

    def stop(self) -> None:
        pg_ctl = [str(self.pg_bin / "pg_ctl"), "-D", str(self.pg_root / "data"), "stop", "-m", "fast"]
        subprocess.run([*AS_POSTGRES, *pg_ctl], capture_output=True)
        for process in self.stops:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
        shutil.rmtree(self.pg_root, ignore_errors=True)


def start_engines(host: Host, subnet: str, logs: Path) -> Engines:
    """PostgreSQL, Redis and the S3 server on `host`, listening on its address only (clients from `subnet`)."""
    pg_bin = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))[-1]
    engines = Engines("", "", "", None, "", [], Path(tempfile.mkdtemp(prefix="hpdp-hostpg-")), pg_bin)
    try:
        engines.pg_url, engines.mlflow_url = _postgres(host, subnet, pg_bin, engines.pg_root)
        password = secrets.token_hex(12)
        redis = ["redis-server", "--bind", host.address, "--port", str(REDIS_PORT), "--requirepass", password]
        redis += ["--save", "", "--appendonly", "no", "--dir", str(engines.pg_root)]
        engines.stops.append(host.start(redis, logs / "redis.log"))
        engines.redis_url = f"redis://:{password}@{host.address}:{REDIS_PORT}/0"
        wait_until(lambda: _redis_answers(engines.redis_url), "Redis on the server host", 30)
        engines.s3 = s3_server.start(logs / "s3.log", address=host.address, wrap=host.argv)
        engines.stops.append(engines.s3.process)
        engines.bucket = engines.s3.new_bucket()
        return engines
    except BaseException:
        engines.stop()
        raise


def _postgres(host: Host, subnet: str, pg_bin: Path, root: Path) -> tuple[str, str]:
    """The server's URLs of two databases: the lake's and the tracking server's."""
    password = secrets.token_hex(12)
    root.chmod(0o755)
    (root / "pw").write_text(password)
    shutil.chown(root, "postgres", "postgres")
    shutil.chown(root / "pw", "postgres", "postgres")
    initdb = [str(pg_bin / "initdb"), "-D", str(root / "data"), "-U", "postgres", "--auth-local=trust"]
    initdb += ["--auth-host=scram-sha-256", f"--pwfile={root / 'pw'}", "-E", "UTF8", "--locale=C.UTF-8"]
    subprocess.run([*AS_POSTGRES, *initdb], check=True, capture_output=True)
    with (root / "data" / "pg_hba.conf").open("a") as hba:
        hba.write(f"host all all {subnet} scram-sha-256\n")
    options = f"-c listen_addresses={host.address} -p {PG_PORT} -k {root} -c fsync=off -c max_connections=200"
    pg_ctl = [str(pg_bin / "pg_ctl"), "-D", str(root / "data"), "-l", str(root / "postgres.log"), "-w", "-t", "60"]
    started = host.run([*AS_POSTGRES, *pg_ctl, "-o", options, "start"], timeout=90, cwd=root)
    if started.returncode != 0:
        raise RuntimeError(f"PostgreSQL did not start on {host.hostname}: {started.stderr}")
    import psycopg

    server = f"postgresql://postgres:{password}@{host.address}:{PG_PORT}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as con:
        con.execute("CREATE DATABASE hpdp")
        con.execute("CREATE DATABASE mlflow")
    return f"{server}/hpdp", f"{server}/mlflow"


def _redis_answers(url: str) -> bool:
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        return bool(Redis.from_url(url, socket_timeout=2).ping())
    except RedisError:
        return False
