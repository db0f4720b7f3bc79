"""A real hpdp kernel driven over ZeroMQ, one cell at a time."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hpdp.infrastructure import resources


def jupyter_env(home: Path, scratch: Path) -> dict[str, str]:
    """Environment in which Jupyter finds the project's hpdp kernel and nothing of the developer's."""
    env = {k: v for k, v in os.environ.items() if not (k.startswith("HPDP_") and not k.startswith("HPDP_TEST_"))}
    for name in ("config", "data", "runtime", "ipython"):
        (scratch / name).mkdir(parents=True, exist_ok=True)
    env.update(
        HPDP_HOME=str(home),
        JUPYTER_PATH=str(resources.root()),
        JUPYTER_CONFIG_DIR=str(scratch / "config"),
        JUPYTER_DATA_DIR=str(scratch / "data"),
        JUPYTER_RUNTIME_DIR=str(scratch / "runtime"),
        IPYTHONDIR=str(scratch / "ipython"),
        PYDEVD_DISABLE_FILE_VALIDATION="1",
    )
    return env


_WIDGET_EVENTS = ("comm_open", "comm_msg", "comm_close", "update_display_data")


@dataclass
class Reply:
    status: str
    outputs: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)  # widget comms and display updates, in order

    def html(self) -> str:
        return "".join(o["data"].get("text/html", "") for o in self.outputs if "data" in o)

    def text(self) -> str:
        parts = [o["data"].get("text/plain", "") for o in self.outputs if "data" in o]
        parts += [o["text"] for o in self.outputs if "text" in o]
        parts += ["\n".join(o["traceback"]) for o in self.outputs if "traceback" in o]
        return "\n".join(parts)


class Kernel:
    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        from jupyter_client.kernelspec import KernelSpecManager
        from jupyter_client.manager import KernelManager

        specs = KernelSpecManager(kernel_dirs=[str(resources.root() / "kernels")])
        self.km = KernelManager(kernel_name="hpdp", kernel_spec_manager=specs)
        self.km.start_kernel(env=env, cwd=str(cwd))
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=60)

    def run(self, code: str, timeout: float = 120) -> Reply:
        return self._reply(self.kc.execute(code), timeout)

    def _reply(self, msg_id: str, timeout: float) -> Reply:
        """The outputs of one execution until the kernel is idle again, and its reply."""
        outputs, events = self._until_idle(msg_id, timeout)
        reply = self.kc.get_shell_msg(timeout=timeout)
        while reply["parent_header"].get("msg_id") != msg_id:
            reply = self.kc.get_shell_msg(timeout=timeout)
        return Reply(reply["content"]["status"], outputs, events)

    def comm(self, comm_id: str, data: dict[str, Any], timeout: float = 120) -> Reply:
        """Send a widget message as a browser would (a click, a changed value); what the kernel sent back."""
        msg = self.kc.session.msg("comm_msg", {"comm_id": comm_id, "data": data})
        self.kc.shell_channel.send(msg)
        outputs, events = self._until_idle(msg["header"]["msg_id"], timeout)
        return Reply("ok", outputs, events)

    def _until_idle(self, msg_id: str, timeout: float) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        outputs: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        while True:
            msg = self.kc.get_iopub_msg(timeout=timeout)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "status" and content["execution_state"] == "idle":
                return outputs, events
            if kind in ("display_data", "execute_result", "stream", "error"):
                outputs.append({"type": kind, **content})
            if kind in _WIDGET_EVENTS:
                events.append({"type": kind, **content})

    def complete(self, code: str, cursor: int | None = None, timeout: float = 60) -> list[str]:
        """What Tab offers at the cursor (default: the end), as a front end asks with complete_request."""
        msg_id = self.kc.complete(code, len(code) if cursor is None else cursor)
        reply = self.kc.get_shell_msg(timeout=timeout)
        while reply["parent_header"].get("msg_id") != msg_id:
            reply = self.kc.get_shell_msg(timeout=timeout)
        assert reply["content"]["status"] == "ok", reply["content"]
        return list(reply["content"]["matches"])

    def run_and_interrupt(self, code: str, cpu_s: float = 0.5, timeout: float = 120) -> tuple[Reply, float]:
        """Run `code`, and once the kernel has spent `cpu_s` of CPU on it, press stop; the reply, and the
        seconds from the interrupt to the kernel being idle again."""
        import time

        import psutil

        process = psutil.Process(self.km.provisioner.process.pid)  # type: ignore[union-attr]
        before = sum(process.cpu_times()[:2])
        msg_id = self.kc.execute(code)
        deadline = time.monotonic() + timeout
        while sum(process.cpu_times()[:2]) - before < cpu_s:
            assert time.monotonic() < deadline, "the cell never got busy"
            time.sleep(0.05)
        pressed = time.monotonic()
        self.km.interrupt_kernel()
        reply = self._reply(msg_id, timeout)
        return reply, time.monotonic() - pressed

    def close(self) -> None:
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)
