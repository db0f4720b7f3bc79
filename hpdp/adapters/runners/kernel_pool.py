"""Kernels started ahead of time: each run takes a fresh one, a used one is never reused, the pool refills."""

from __future__ import annotations

import asyncio
import logging
import os
import tempfile
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hpdp.domain.errors import ConfigError

log = logging.getLogger(__name__)
IPC_PATH_MAX = 96  # a Unix socket path holds 104 bytes on macOS, 108 on Linux


def start_kernel(kernel_name: str, cwd: str | None = None, startup_timeout: float = 60) -> Any:
    """A started kernel manager (jupyter_client, async: nbclient polls it while a cell runs).

    Readiness is checked by nbclient when the run connects; the kernel boots meanwhile.
    """
    from jupyter_client import AsyncKernelManager
    from jupyter_core.utils import run_sync

    km = AsyncKernelManager(kernel_name=kernel_name, **transport_options())
    run_sync(km.start_kernel)(cwd=cwd)
    return km


def transport_options() -> dict[str, Any]:
    """How a local kernel talks to hpdp: IPC sockets where the platform has them (no port, nothing on the
    network); elsewhere (Windows) TCP, encrypted with CurveZMQ for kernels whose spec declares support."""
    import zmq
    from jupyter_core.paths import jupyter_runtime_dir

    if os.name != "nt" and zmq.has("ipc"):
        name = f"kernel-hpdp-{uuid.uuid4().hex[:12]}.json"
        for folder in (Path(jupyter_runtime_dir()), Path(tempfile.gettempdir())):
            if len(str(folder / name)) < IPC_PATH_MAX:  # socket paths are "<file stem>-ipc-<n>"
                folder.mkdir(parents=True, exist_ok=True)
                return {"transport": "ipc", "connection_file": str(folder / name)}
    return {"transport_encryption": "auto"} if zmq.has("curve") else {}


def kernel_language(kernel_name: str) -> str:
    """The language of an installed kernel, from its spec (parameters are written in it)."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        return str(KernelSpecManager().get_kernel_spec(kernel_name).language or "python")
    except NoSuchKernel:
        raise ConfigError(
            f"The run kernel {kernel_name!r} is not installed",
            hint="install it or set HPDP_RUN_KERNEL to an installed one.",
            code="run_kernel_missing",
        ) from None


def stop_kernel(km: Any) -> None:
    from jupyter_core.utils import run_sync

    if km.has_kernel:
        run_sync(km.shutdown_kernel)(now=True)


def is_alive(km: Any) -> bool:
    from jupyter_core.utils import run_sync

    return bool(run_sync(km.is_alive)())


@contextmanager
def own_event_loop() -> Iterator[None]:
    """Close the event loop jupyter_client's run_sync leaves in this thread, unless it was there before."""
    policy = asyncio.get_event_loop_policy()
    before = getattr(policy._local, "_loop", None)  # peek without creating a loop
    try:
        yield
    finally:
        after = getattr(policy._local, "_loop", None)
        if after is not None and after is not before and not after.is_running():
            after.close()
            asyncio.set_event_loop(before)


def kernel_pid(km: Any) -> int | None:
    process = getattr(getattr(km, "provisioner", None), "process", None)
    return getattr(process, "pid", None)


class KernelPool:
    """Keeps `size` started kernels ready; `take()` hands one out and a thread starts its successor."""

    def __init__(
        self,
        kernel_name: str,
        size: int = 2,
        cwd: str | None = None,
        startup_timeout: float = 60,
        refill: bool = True,
    ) -> None:
        self.kernel_name = kernel_name
        self.size = size
        self.refill = refill  # False: start `size` kernels ahead once (a one-shot run), then stop
        self.cwd = cwd
        self.startup_timeout = startup_timeout
        self._ready: deque[Any] = deque()
        self._starting = 0
        self._closed = False
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self.started = 0  # kernels started by this pool (for tests and benchmarks)

    def start(self) -> KernelPool:
        if self.size > 0 and self._thread is None:
            self._thread = threading.Thread(target=self._fill, name="hpdp-kernel-pool", daemon=True)
            self._thread.start()
        return self

    def _fill(self) -> None:
        with own_event_loop():
            self._fill_forever()

    def _fill_forever(self) -> None:
        while True:
            with self._cond:
                while not self._closed and len(self._ready) + self._starting >= self.size:
                    self._cond.wait()
                if self._closed or (not self.refill and self.started + self._starting >= self.size):
                    return
                self._starting += 1
            km = None
            try:
                km = start_kernel(self.kernel_name, self.cwd, self.startup_timeout)
            except Exception:
                log.exception("a pool kernel failed to start")
                time.sleep(1.0)
            with self._cond:
                self._starting -= 1
                if km is not None:
                    self.started += 1
                    if self._closed:
                        stop_kernel(km)
                    else:
                        self._ready.append(km)
                self._cond.notify_all()

    def take(self, timeout: float | None = None) -> Any:
        """A fresh, started kernel manager; the caller shuts it down after one run."""
        if self.size <= 0:
            return start_kernel(self.kernel_name, self.cwd, self.startup_timeout)
        self.start()
        deadline = time.monotonic() + (timeout or self.startup_timeout)
        with self._cond:
            while True:
                while self._ready:
                    km = self._ready.popleft()
                    self._cond.notify_all()
                    if is_alive(km):
                        return km
                    stop_kernel(km)
                left = deadline - time.monotonic()
                if left <= 0 or self._closed:
                    break
                self._cond.wait(left)
        return start_kernel(self.kernel_name, self.cwd, self.startup_timeout)

    @property
    def ready(self) -> int:
        with self._cond:
            return len(self._ready)

    def wait_ready(self, count: int | None = None, timeout: float = 60) -> bool:
        want = self.size if count is None else count
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self._ready) < want and time.monotonic() < deadline:
                self._cond.wait(max(deadline - time.monotonic(), 0.01))
            return len(self._ready) >= want

    def close(self) -> None:
        with self._cond:
            self._closed = True
            kernels = list(self._ready)
            self._ready.clear()
            self._cond.notify_all()
        for km in kernels:
            try:
                stop_kernel(km)
            except Exception:
                log.exception("a pool kernel did not stop")
        if self._thread is not None:
            self._thread.join(timeout=self.startup_timeout)
