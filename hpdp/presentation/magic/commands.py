"""`%sql` commands that are not a query: the schema at a glance and attaching databases, one small function
each, picked by the option given (a router, so the magic's own method stays a parser)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from IPython.core.error import UsageError
from IPython.display import display

from hpdp.application.attach import Attachment

_AS_NAME = re.compile(r"^AS\s+(\S+)(\s+--write)?\s*$", re.IGNORECASE)


def _no_sql(option: str, rest: str) -> None:
    if rest.strip():
        raise UsageError(f"{option} takes no SQL; run the query in a cell of its own.")


def tables(magic: Any, args: Any, rest: str, format: str) -> Any:
    _no_sql("--tables", rest)
    return _show(magic, args, lambda: magic.cells().glance("tables", format=format))


def columns(magic: Any, args: Any, rest: str, format: str) -> Any:
    _no_sql("--columns", rest)
    return _show(magic, args, lambda: magic.cells().glance("columns", args.columns, format=format))


def describe(magic: Any, args: Any, rest: str, format: str) -> Any:
    from hpdp.presentation.magic.glance import ProfileView

    _no_sql("--describe", rest)
    profile = magic.cells().glance("describe", args.describe)
    if args.out:
        magic.shell.user_ns[args.out] = profile
    display(ProfileView(profile))


def attach(magic: Any, args: Any, rest: str, format: str) -> Any:
    match = _AS_NAME.match(rest.strip())
    if match is None:
        raise UsageError("Write --attach URL AS NAME [--write], e.g. --attach sqlite:///shop.db AS shop.")
    attachment = Attachment.parse(args.attach, match.group(1), write=bool(args.write or match.group(2)))
    print(magic.cells().attach(attachment))


def _show(magic: Any, args: Any, fetch: Callable[[], Any]) -> None:
    from hpdp.presentation.magic.display import ResultView

    started = time.perf_counter()
    value = fetch()
    if args.out:
        magic.shell.user_ns[args.out] = value
    display(ResultView(value, limit=max(magic.display_rows, 50), elapsed=time.perf_counter() - started))


COMMANDS: dict[str, Callable[[Any, Any, str, str], Any]] = {
    "tables": tables,
    "columns": columns,
    "describe": describe,
    "attach": attach,
}


def chosen(args: Any) -> str | None:
    """The one command the options ask for, if any."""
    asked = [name for name in COMMANDS if getattr(args, name)]
    if len(asked) > 1:
        raise UsageError(f"Use one of --{', --'.join(asked)} at a time.")
    if asked and (args.plot or args.explain or args.save or args.as_of):
        raise UsageError(f"--{asked[0]} cannot be combined with --plot, --explain, --save or --as-of.")
    return asked[0] if asked else None
