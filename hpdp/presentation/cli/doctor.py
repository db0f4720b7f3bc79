"""`hpdp doctor`: whether this machine and workspace can run hpdp, one line a check, and what to fix."""

from __future__ import annotations

import typer

MARKS = {"ok": "ok  ", "warn": "warn", "fail": "FAIL"}


def doctor() -> None:
    """Check Python, DuckDB and its extensions, free ports, the workspace, disk space and configured servers.

    Exit code 0 when nothing failed (warnings inform only), 1 otherwise.
    """
    from hpdp.infrastructure.doctor import exit_code, run_checks
    from hpdp.infrastructure.settings import load_settings

    checks = []
    for check in run_checks(load_settings()):
        checks.append(check)
        print(f"{MARKS[check.status]}  {check.message}", flush=True)
    code = exit_code(checks)
    print("Everything needed is in place." if code == 0 else "Fix the lines marked FAIL, then run `hpdp doctor` again.")
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.command()(doctor)
