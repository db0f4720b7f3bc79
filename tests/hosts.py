"""Several hosts on one machine, for tests and benchmarks of the platform across machines.

Each host is a Linux network namespace with an address of its own on one bridge (in a namespace of its own),
and each process runs in a UTS namespace with the host's name, so `socket.gethostname()` tells hosts apart. The
test process reaches every host through one more address on that bridge, as a user's laptop would. Everything
is made by the caller and removed by `close()`, which first ends every process in the namespaces by PID.
Needs root and iproute2.
"""

from __future__ import annotations

import contextlib
import os
import random
import secrets
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

DRIVER = 254  # the test process's own address on the bridge: 10.231.N.254


def unavailable() -> str | None:
    """Why hosts cannot be made here, or None."""
    if os.name != "posix" or not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "network namespaces need root (CI runs as root)"
    missing = [tool for tool in ("ip", "unshare", "hostname") if shutil.which(tool) is None]
    if missing:
        return f"{', '.join(missing)} not found (Debian: iproute2, util-linux, hostname)"
    return None


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True)


@dataclass
class Host:
    namespace: str
    hostname: str
    address: str
    started: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def argv(self, argv: Sequence[str]) -> list[str]:
        """`argv` as run on this host: in its network namespace, with its host name."""
        inner = 'hostname "$0" && exec "$@"'
        return ["ip", "netns", "exec", self.namespace, "unshare", "--uts", "sh", "-c", inner, self.hostname, *argv]

    def start(self, argv: Sequence[str], log: Path, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        out: IO[bytes]
        with log.open("ab") as out:
            process = subprocess.Popen(self.argv(argv), stdout=out, stderr=subprocess.STDOUT, env=env)
        self.started.append(process)
        return process

    def run(
        self, argv: Sequence[str], env: dict[str, str] | None = None, timeout: float = 300.0, cwd: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self.argv(argv), env=env, capture_output=True, text=True, timeout=timeout, cwd=cwd)

    def pids(self) -> list[int]:
        found = subprocess.run(["ip", "netns", "pids", self.namespace], capture_output=True, text=True)
        return [int(p) for p in found.stdout.split()]

    def crash(self) -> list[int]:
        """The host dies: every process on it gets SIGKILL at once, with no chance to clean up."""
        pids = self.pids()
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        return pids

    def stop_all(self, grace_s: float = 15.0) -> None:
        """SIGTERM to every process on the host, SIGKILL to what remains after `grace_s`."""
        for pid in self.pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + grace_s
        while self.pids() and time.monotonic() < deadline:
            time.sleep(0.2)
        self.crash()
        for process in self.started:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)


class Network:
    """Hosts joined by one bridge; `driver` is the test process's own address there."""

    def __init__(self, names: Sequence[str]) -> None:
        suffix = uuid.uuid4().hex[:6]
        self.subnet = random.Random(secrets.token_bytes(8)).randrange(10, 250)
        self.switch = f"hpsw-{suffix}"
        self.driver_link = f"hpd{suffix}"
        self.driver = f"10.231.{self.subnet}.{DRIVER}"
        self.hosts: dict[str, Host] = {}
        try:
            _ip("netns", "add", self.switch)
            _ip("-n", self.switch, "link", "add", "br0", "type", "bridge")
            _ip("-n", self.switch, "link", "set", "br0", "up")
            for number, name in enumerate(names, start=1):
                host = Host(f"hp{name}-{suffix}", name, f"10.231.{self.subnet}.{number}")
                _ip("netns", "add", host.namespace)
                self.hosts[name] = host
                self._link(f"hh{number}{suffix}", f"hs{number}{suffix}", host.namespace, host.address)
            self._link(self.driver_link, f"hsd{suffix}", None, self.driver)
        except BaseException:
            self.close()
            raise

    def _link(self, end: str, port: str, namespace: str | None, address: str) -> None:
        """A veth pair: `end` in `namespace` (None: this one) with `address`, `port` on the bridge."""
        _ip("link", "add", end, "type", "veth", "peer", "name", port)
        _ip("link", "set", port, "netns", self.switch)
        _ip("-n", self.switch, "link", "set", port, "master", "br0", "up")
        where = [] if namespace is None else ["-n", namespace]
        if namespace is not None:
            _ip("link", "set", end, "netns", namespace)
            _ip(*where, "link", "set", "lo", "up")
        _ip(*where, "addr", "add", f"{address}/24", "dev", end)
        _ip(*where, "link", "set", end, "up")

    def __getitem__(self, name: str) -> Host:
        return self.hosts[name]

    def close(self) -> None:
        for host in self.hosts.values():
            host.stop_all()
        for namespace in [*(h.namespace for h in self.hosts.values()), self.switch]:
            subprocess.run(["ip", "netns", "del", namespace], capture_output=True)
        subprocess.run(["ip", "link", "del", self.driver_link], capture_output=True)


def wait_until(check: Any, what: str, timeout_s: float = 120.0, every_s: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every_s)
    raise TimeoutError(f"{what}: not within {timeout_s:g} s")
