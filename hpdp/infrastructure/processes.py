"""Child processes of the platform: each in its own process group (session on POSIX), stopped as a whole tree.

A server such as MLflow's starts helper processes that would outlive it: stopping signals the group and every
descendant seen, and killing ends whatever of that tree is left. No fork-only code: subprocess and psutil.
"""

from __future__ import annotations

import os
import signal
import subprocess
from contextlib import suppress
from typing import IO

import psutil

from hpdp.application.supervision import AbstractChild, ChildSpec

WINDOWS = os.name == "nt"


class ProcessChild(AbstractChild):
    def __init__(self, popen: subprocess.Popen[bytes], log: IO[bytes] | None) -> None:
        self.popen = popen
        self.pid = popen.pid
        self._log = log
        self._tree: dict[int, psutil.Process] = {}
        self._remember()

    def exit_code(self) -> int | None:
        code = self.popen.poll()
        if code is None:
            self._remember()  # helpers started since, so that they are found once this process ended
        elif self._log is not None:
            self._log.close()
        return code

    def _remember(self) -> list[psutil.Process]:
        """The process and its descendants (kept, so helpers that lost their parent are still found)."""
        with suppress(psutil.Error):
            root = psutil.Process(self.pid)
            for proc in [root, *root.children(recursive=True)]:
                self._tree.setdefault(proc.pid, proc)
        alive = []
        for pid, proc in list(self._tree.items()):
            if _running(proc):
                alive.append(proc)
            else:
                self._tree.pop(pid)
        return alive

    def stop(self) -> None:
        alive = self._remember()
        if WINDOWS:
            try:
                self.popen.send_signal(signal.CTRL_BREAK_EVENT)  # type: ignore[attr-defined]
            except OSError:
                self.popen.terminate()
            return
        with suppress(OSError):
            os.killpg(self.pid, signal.SIGTERM)
        for proc in alive:  # helpers in groups of their own (kernels) are asked too
            with suppress(psutil.Error):
                proc.terminate()

    def gone(self) -> bool:
        self.exit_code()  # reaps the root
        return not self._remember()

    def kill(self) -> None:
        alive = self._remember()
        if not WINDOWS:
            with suppress(OSError):
                os.killpg(self.pid, signal.SIGKILL)
        for proc in alive:
            with suppress(psutil.Error):
                proc.kill()
        psutil.wait_procs(alive, timeout=5)
        with suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=5)
        self.exit_code()


def _running(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def launch(spec: ChildSpec) -> ProcessChild:
    """Start `spec.command` with its environment; output to its log file (appended), or to this terminal."""
    log = None
    if spec.log is not None:
        spec.log.parent.mkdir(parents=True, exist_ok=True)
        log = spec.log.open("ab")
    group: dict[str, object] = (
        {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}  # type: ignore[attr-defined]
        if WINDOWS
        else {"start_new_session": True}
    )
    popen = subprocess.Popen(
        list(spec.command),
        env={**os.environ, **spec.env},
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT if log is not None else None,
        **group,  # type: ignore[arg-type]
    )
    return ProcessChild(popen, log)
