"""A real S3-compatible server for tests: moto's, on 127.0.0.1, with request signing checked."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

_POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


@dataclass(frozen=True)
class S3Server:
    endpoint: str  # 127.0.0.1:port
    key_id: str
    secret: str
    process: subprocess.Popen[bytes]

    def client(self, secret: str | None = None) -> Any:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=f"http://{self.endpoint}",
            region_name="us-east-1",
            aws_access_key_id=self.key_id,
            aws_secret_access_key=secret or self.secret,
        )

    def new_bucket(self) -> str:
        name = f"lake-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def keys(self, bucket: str) -> list[str]:
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket)
        return sorted(o["Key"] for page in pages for o in page.get("Contents", []))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(
    log: Path, wait_s: float = 120.0, address: str = "127.0.0.1", wrap: Callable[[list[str]], list[str]] = list
) -> S3Server:
    """Start the server on `address` (`wrap` turns its command into one run elsewhere, on a test host), wait
    until it answers, create a user with a key, then turn signature checks on."""
    port = free_port()
    moto = Path(sys.executable).parent / "moto_server"
    with log.open("wb") as out:
        command = wrap([str(moto), "-H", address, "-p", str(port)])
        process = subprocess.Popen(command, stdout=out, stderr=out)
    base = f"http://{address}:{port}"
    try:
        _wait(base, process, wait_s)
        key_id, secret = _user(base)
        httpx.post(f"{base}/moto-api/reset-auth", content=b"0").raise_for_status()
    except BaseException:
        stop(process)
        raise
    return S3Server(f"{address}:{port}", key_id, secret, process)


def _wait(base: str, process: subprocess.Popen[bytes], wait_s: float) -> None:
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"moto_server exited with {process.returncode}")
        try:
            if httpx.get(f"{base}/moto-api/data.json", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"moto_server did not answer at {base} within {wait_s} s")


def _user(base: str) -> tuple[str, str]:
    """An IAM user allowed everything, made while the server still takes unsigned requests."""
    import boto3

    iam = boto3.client(
        "iam", endpoint_url=base, region_name="us-east-1", aws_access_key_id="setup", aws_secret_access_key="setup"
    )
    iam.create_user(UserName="lake")
    iam.put_user_policy(UserName="lake", PolicyName="all", PolicyDocument=json.dumps(_POLICY))
    key = iam.create_access_key(UserName="lake")["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
