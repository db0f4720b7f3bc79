"""Child processes as `hpdp up` starts them: output in the log, stop and kill reach the whole tree (helpers in
sessions of their own too), and a part that ends before it answers is an error showing its log."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from hpdp.application.supervision import ChildSpec, Supervisor
from hpdp.domain.errors import UnavailableError
from hpdp.infrastructure.processes import launch
from hpdp.presentation.cli.up import wait_ready

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the helpers below use POSIX sessions")

# A parent that starts a helper in a session of its own (as Jupyter starts kernels), says so, then waits.
PARENT = """
import subprocess, sys, time, signal
if sys.argv[1] == "stubborn":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
helper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"], start_new_session=True)
print("helper", helper.pid, flush=True)
time.sleep(600)
"""


def wait_for(condition, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.05)


def helper_pid(log: Path) -> int:
    wait_for(lambda: log.exists() and b"helper" in log.read_bytes())
    return int(log.read_text().split()[1])


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


@pytest.mark.parametrize("mode", ["obeys", "stubborn"])
def test_stop_then_kill_end_the_whole_tree(tmp_path: Path, mode: str) -> None:
    log = tmp_path / "logs" / "parent.log"
    child = launch(ChildSpec("parent", [sys.executable, "-c", PARENT, mode], log=log))
    helper = helper_pid(log)
    assert child.exit_code() is None
    child.stop()
    if mode == "obeys":
        wait_for(child.gone)
    else:
        assert child.exit_code() is None  # SIGTERM ignored: only a kill ends it
        child.kill()
    assert child.gone()
    assert gone(child.pid) and gone(helper)


def test_a_part_that_ends_before_it_answers_is_an_error_with_the_end_of_its_log(tmp_path: Path) -> None:
    log = tmp_path / "broken.log"
    crash = "import sys; print('starting'); print('cannot open the store', file=sys.stderr); sys.exit(3)"
    spec = ChildSpec("broken", [sys.executable, "-c", crash], log=log, ready=lambda: False)
    supervisor = Supervisor([spec], launch, say=lambda line: None)
    supervisor.start()
    try:
        with pytest.raises(UnavailableError) as caught:
            wait_ready(supervisor, threading.Event(), timeout_s=120)
    finally:
        supervisor.stop(grace_s=5)
    text = str(caught.value)
    assert text.startswith("broken exited (code 3) before it answered; the last lines of")
    assert "starting" in text and "cannot open the store" in text
