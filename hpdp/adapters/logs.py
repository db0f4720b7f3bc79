"""Process logging: hpdp's own warnings as one line each on stderr; libraries speak only with `--debug`."""

from __future__ import annotations

import logging
import sys

from hpdp.domain.errors import first_line

OWN = "hpdp"
# Loggers that MLflow gives handlers of their own when it is imported (mlflow.utils.logging_utils).
MLFLOW_LOGGERS = ("mlflow", "sqlalchemy.engine", "alembic", "huey")


class _OneLine(logging.Formatter):
    """`hpdp: message (Error: first line of the exception)`; no traceback, which `--debug` shows."""

    def format(self, record: logging.LogRecord) -> str:
        text = f"hpdp: {record.getMessage()}"
        if record.exc_info and record.exc_info[1] is not None:
            exc, name = record.exc_info[1], type(record.exc_info[1]).__name__
            text += f" ({name})" if first_line(exc) == name else f" ({name}: {first_line(exc)})"
        return text


def _own_warnings(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.WARNING and (record.name == OWN or record.name.startswith(OWN + "."))


def configure(debug: bool = False) -> None:
    """Called once by each entry point (CLI command, child process) before it does any work."""
    handler = logging.StreamHandler(sys.stderr)
    root = logging.getLogger()
    if debug:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.setLevel(logging.INFO)
        logging.getLogger(OWN).setLevel(logging.DEBUG)
    else:
        handler.setFormatter(_OneLine())
        handler.addFilter(_own_warnings)
        root.setLevel(logging.WARNING)
    root.handlers = [handler]
    logging.captureWarnings(True)  # library warnings go through logging too: silent unless debug


def debugging() -> bool:
    """Whether this process was configured with `--debug` (child processes inherit the choice)."""
    return logging.getLogger(OWN).isEnabledFor(logging.DEBUG)


def adopt(*names: str) -> None:
    """Send these loggers' records through the process configuration instead of the handlers a library
    attached to them itself."""
    for name in names:
        logger = logging.getLogger(name)
        logger.handlers = []
        logger.propagate = True
