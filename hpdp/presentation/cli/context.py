"""Opening the workbench for a command, and reporting errors as one line."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from hpdp.domain.errors import HpdpError

if TYPE_CHECKING:
    from hpdp.application.workbench import Workbench


@contextmanager
def workbench() -> Iterator[Workbench]:
    from hpdp.infrastructure.bootstrap import bootstrap

    hp = bootstrap()
    try:
        yield hp
    finally:
        hp.close()


def run_main(app: Callable[[], Any], argv: list[str]) -> None:
    """Run the Typer app: errors become one line on stderr and exit 1; `--debug` shows the traceback."""
    debug = "--debug" in argv
    try:
        app()
    except HpdpError as exc:
        if debug:
            raise
        print(f"Error: {exc}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        sys.exit(130)
    except Exception as exc:  # an unexpected failure still gets one line
        if debug:
            raise
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"Error: {first} ({type(exc).__name__}; run with --debug for the traceback)", file=sys.stderr)
        sys.exit(1)
