"""Opening the workbench for a command, and reporting errors as one line."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from hpdp.domain.errors import ErrorKind, HpdpError, first_line, redact
from hpdp.infrastructure import extras, logs

if TYPE_CHECKING:
    from hpdp.application.workbench import Workbench
    from hpdp.infrastructure.container import Container


@contextmanager
def workbench() -> Iterator[Workbench]:
    with container() as c:
        yield c.workbench()


@contextmanager
def container(**options: Any) -> Iterator[Container]:
    """The composition root for one command; `options` as Container takes them (pool_size, worker, ...)."""
    from hpdp.infrastructure.container import Container

    with Container(**options) as c:
        yield c


# What to type next, for errors whose code has a CLI answer; lower layers never name commands or flags.
POINTERS: dict[str, str] = {
    "table_not_found": "run `hpdp tables` to list the tables",
    "snapshot_not_found": "`hpdp snapshots` lists the snapshots",
    "snapshots_unsupported": "use HPDP_DB_ENGINE=ducklake for time travel",
    "run_not_found": "`hpdp runs` lists the runs",
    "schedule_not_found": "`hpdp schedule list` shows the schedules",
    "experiment_not_found": "start it with `hpdp experiment run FILE`",
    "source_not_found": "`hpdp sources` lists the sources",
    "merge_key_missing": "pass the key with --key COLUMN",
    "serve_token_required": "pass --token or set HPDP_SERVE_TOKEN",
    "serve_port_unavailable": "pass another --port",
}

# The exit code of each kind of error: 1 for all, as scripts and the tests expect; 130 is an interrupt.
EXIT_CODES: dict[ErrorKind, int] = {
    ErrorKind.INVALID_INPUT: 1,
    ErrorKind.NOT_FOUND: 1,
    ErrorKind.CONFLICT: 1,
    ErrorKind.UNAVAILABLE: 1,
    ErrorKind.UNSUPPORTED: 1,
    ErrorKind.FAILED_TASK: 1,
}


def run_main(app: Callable[[], Any], argv: list[str]) -> None:
    """Run the Typer app: errors become one line on stderr and their exit code; `--debug` adds the traceback."""
    debug = "--debug" in argv
    logs.configure(debug)
    try:
        app()
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        sys.exit(130)
    except Exception as exc:
        if debug:
            if isinstance(exc, HpdpError):
                print(debug_fields(exc), file=sys.stderr)
            raise
        print(f"Error: {sentence(exc)}", file=sys.stderr)
        sys.exit(exit_code(exc))


def sentence(exc: BaseException) -> str:
    """hpdp's message and hint plus the CLI pointer for its code, the extra to install for a missing module,
    or the first line of anything else."""
    if isinstance(exc, HpdpError):
        text = str(exc)  # the contract's sentence (a caller may have narrowed it, e.g. of a source's secrets)
        pointer = POINTERS.get(exc.code)
        if pointer and pointer not in text:
            text = f"{text.rstrip('.')}; {pointer}."
        return text
    if isinstance(exc, ModuleNotFoundError) and (missing := extras.missing_extra_message(exc.name)):
        return missing
    return redact(f"{first_line(exc)} ({type(exc).__name__}; run with --debug for the traceback)")


def exit_code(exc: BaseException) -> int:
    return EXIT_CODES[exc.kind] if isinstance(exc, HpdpError) else 1


def debug_fields(exc: HpdpError) -> str:
    """The error's fields, one a line, for `--debug` (each was redacted when the error was made)."""
    fields = {"code": exc.code, "kind": exc.kind.value, "message": exc.message, "hint": exc.hint, "detail": exc.detail}
    return "\n".join(f"{name}: {value}" for name, value in fields.items() if value)
