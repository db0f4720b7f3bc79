"""`hpdp up`: the scheduler, `hpdp serve` and the MLflow UI as supervised child processes, in the foreground."""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hpdp.domain.errors import PortUnavailableError, UnavailableError
from hpdp.presentation.cli.context import container

if TYPE_CHECKING:
    from hpdp.application.demo_setup import DemoPlan
    from hpdp.application.supervision import Supervisor
    from hpdp.infrastructure.container import Container
    from hpdp.presentation.cli.platform_plan import Plan

GRACE_S = 12.0  # asked to stop, a child has this long before its process tree is killed (all within 20 s)


def up(
    only: Annotated[
        str | None, typer.Option("--only", help="Start only these parts: serve,scheduler,worker,mlflow.")
    ] = None,
    role: Annotated[
        str | None,
        typer.Option("--role", help="What this host runs when the platform spans several: server,scheduler,worker."),
    ] = None,
    no_demo: Annotated[bool, typer.Option("--no-demo", help="Start no demo.")] = False,
) -> None:
    """Start the whole platform on 127.0.0.1 and keep it running: the scheduler (or Redis workers), the
    dashboards and APIs (`hpdp serve`) and the MLflow UI. A part that dies is restarted; Ctrl-C stops all.

    On several hosts sharing PostgreSQL, Redis and object storage, `--role` picks each host's share: `server`
    (dashboards, APIs and the MLflow server), `scheduler`, `worker`. The demo runs only without `--role`."""
    from hpdp.application.exposure import check_exposure
    from hpdp.application.supervision import Supervisor
    from hpdp.infrastructure.platform_status import write_status
    from hpdp.infrastructure.probes import taken
    from hpdp.infrastructure.processes import launch
    from hpdp.infrastructure.settings import load_settings
    from hpdp.presentation.cli.platform_plan import demo_wanted, parse_parts, plan

    settings = load_settings()
    debug = "--debug" in sys.argv
    names = parse_parts(only, settings.queue, role)
    if "serve" in names:
        check_exposure(settings.serve_host, settings.serve_token)
    demo = not no_demo and role is None and demo_wanted(settings)
    parts = plan(settings, names, debug=debug, demo=demo)
    problems = taken(parts.ports)
    if problems:
        raise PortUnavailableError(" ".join(problems), code="port_taken")  # the sentence names the setting
    home = settings.resolved_home()
    _rotate_logs(parts)
    stop = _stop_on_signals()
    with container(settings=settings, pool_size=0) as c:
        seeded = _seed_demo(c, parts)
        urls = dict(parts.urls)

        def report(status: dict[str, object]) -> None:
            write_status(home, {**status, "urls": urls})

        supervisor = Supervisor(parts.children, launch, say=_say, events=c.events(), report=report)
        supervisor.start()
        try:
            if wait_ready(supervisor, stop, settings.up_ready_timeout_s):
                _print_block(home, parts)
                if seeded is not None:
                    _first_loads(c, seeded)
                while not stop.wait(0.5):
                    supervisor.check()
        finally:
            _say("Stopping every part ...")
            killed = supervisor.stop(GRACE_S)
            if killed:
                _say(f"Killed what remained of: {', '.join(killed)}.")
                _end_interrupted_runs(c)
    _say("hpdp up stopped.")


def _seed_demo(c: Container, parts: Plan) -> DemoPlan | None:
    """Seed the demo on a first start (its sources, notebooks, schedules and an experiment), before the
    scheduler starts; a workspace with data of its own is left alone and the demo API left out."""
    if parts.demo_url is None or c.settings.resolved_sources_file().exists():
        return None  # no demo, or a demo workspace seeded before
    from hpdp.infrastructure.demo import demo_setup

    seeded = demo_setup(c).seed(parts.demo_url)
    for line in seeded.lines():
        _say(line)
    if not seeded.seeded:
        parts.without_demo()
        return None
    return seeded


def _first_loads(c: Container, seeded: DemoPlan) -> None:
    """The demo's first loads now, so data is there before the first schedule fires."""
    from hpdp.application.demo_setup import FIRST_LOADS
    from hpdp.domain.errors import HpdpError

    for name in FIRST_LOADS:
        try:
            result = c.ingestion().ingest(name)
            _say(f"Demo: loaded {result.rows} rows from {name}.")
        except HpdpError as exc:
            _say(f"Demo: {name} did not load: {exc}")
    if seeded.experiment is not None:
        _say(f"Demo: `hpdp experiment run {seeded.experiment}` runs an experiment grid on them.")


def _say(line: str) -> None:
    print(line, flush=True)


def _stop_on_signals() -> threading.Event:
    """Set on Ctrl-C and SIGTERM (and Ctrl-Break on Windows): the main loop then stops every part."""
    stop = threading.Event()
    for name in ("SIGINT", "SIGTERM", "SIGBREAK"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), lambda *_: stop.set())
    return stop


def wait_ready(supervisor: Supervisor, stop: threading.Event, timeout_s: float) -> bool:
    """Probe until every part answers; a part that ends first, or the timeout, is an error naming its log."""
    deadline = time.monotonic() + timeout_s
    while True:
        for child in supervisor.exited():
            assert child.process is not None
            code = child.process.exit_code()
            raise UnavailableError(f"{child.spec.name} exited (code {code}) before it answered{_tail(child.spec.log)}")
        waiting = supervisor.not_ready()
        if not waiting:
            return True
        if time.monotonic() > deadline:
            names = ", ".join(waiting)
            log = next((c.spec.log for c in supervisor.children if c.spec.name == waiting[0]), None)
            raise UnavailableError(
                f"{names} did not answer within {timeout_s:g} s (HPDP_UP_READY_TIMEOUT_S){_tail(log)}"
            )
        if stop.wait(0.25):
            return False


def _tail(log: Path | None, lines: int = 15) -> str:
    """The last lines of a child's log, for an error that names it."""
    if log is None:
        return "; see its output above."
    try:
        with log.open("rb") as f:
            last = deque(f, maxlen=lines)
    except OSError:
        return f"; its log {log} is empty."
    text = b"".join(last).decode(errors="replace").rstrip()
    return f"; the last lines of {log}:\n{text}"


def _print_block(home: Path, parts: Plan) -> None:
    width = max(len(label) for label, _ in [*parts.urls, ("workspace", "")])
    lines = [f"hpdp is up ({', '.join(c.name for c in parts.children)}):"]
    lines += [f"  {label:<{width}}  {url}" for label, url in parts.urls]
    lines.append(f"  {'workspace':<{width}}  {home}")
    if parts.logs is not None:
        lines.append(f"  {'logs':<{width}}  {parts.logs}")
    lines.append("Ctrl-C stops everything.")
    _say("\n".join(lines))


def _rotate_logs(parts: Plan) -> None:
    """Each start writes fresh logs; the previous one stays as `<name>.log.1`."""
    for child in parts.children:
        if child.log is not None and child.log.exists():
            child.log.replace(child.log.with_name(child.log.name + ".1"))


def _end_interrupted_runs(c: Container) -> None:
    """Runs whose process was stopped mid-run end as FAILED with the reason (not left as running)."""
    from hpdp.domain.errors import HpdpError

    try:
        for record in c.runs().reap_stale():
            _say(f"Run {record.id} was interrupted: {record.reason}.")
    except HpdpError as exc:
        _say(f"Could not check for interrupted runs: {exc}")


def register(app: typer.Typer) -> None:
    app.command()(up)
