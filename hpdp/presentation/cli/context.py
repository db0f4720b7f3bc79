"""Opening the workbench for a command, and reporting errors as one line."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from hpdp.domain.errors import HpdpError, first_line
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


def run_main(app: Callable[[], Any], argv: list[str]) -> None:
    """Run the Typer app: errors become one line on stderr and exit 1; `--debug` shows the traceback."""
    debug = "--debug" in argv
    logs.configure(debug)
    try:
        app()
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        sys.exit(130)
    except Exception as exc:
        if debug:
            raise
        print(f"Error: {_sentence(exc)}", file=sys.stderr)
        sys.exit(1)


def _sentence(exc: Exception) -> str:
    """hpdp's own message, the extra to install for a missing module, or the first line of anything else."""
    if isinstance(exc, HpdpError):
        return str(exc)
    if isinstance(exc, ModuleNotFoundError) and (missing := extras.missing_extra_message(exc.name)):
        return missing
    return f"{first_line(exc)} ({type(exc).__name__}; run with --debug for the traceback)"
