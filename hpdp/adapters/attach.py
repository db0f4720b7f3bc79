"""Attaching another DuckDB file, a SQLite file or a PostgreSQL database to a DuckDB session (READ_ONLY unless
asked otherwise), with the sqlite and postgres extensions loaded offline from the pinned wheels."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from hpdp.adapters.stores import extensions
from hpdp.adapters.stores.sql import literal, quote_part
from hpdp.application.attach import Attachment
from hpdp.domain.errors import ConflictError, HpdpError, NotFoundError, QueryError, UnavailableError, first_line

CONNECT_TIMEOUT_S = 5  # a PostgreSQL server that does not answer fails the cell after this long


def attach(con: Any, attachment: Attachment, extension_dir: Path, *, replace: bool = False) -> None:
    target = attachment.target
    options = [] if attachment.write else ["READ_ONLY"]
    if attachment.kind == "postgres":
        if "connect_timeout" not in target:
            target += ("&" if "?" in target else "?") + f"connect_timeout={CONNECT_TIMEOUT_S}"
    elif not attachment.write and not Path(target).is_file():
        raise NotFoundError(
            f"No {attachment.kind} database file at {target}; check the path, or attach it for writing to create one."
        )
    if attachment.kind != "duckdb":
        extensions.load(con, attachment.kind, extension_dir)
        options.insert(0, f"TYPE {attachment.kind}")
    if replace:
        detach(con, attachment.name)
    sql = f"ATTACH {literal(target)} AS {quote_part(attachment.name)}"
    try:
        con.execute(sql + (f" ({', '.join(options)})" if options else ""))
    except duckdb.Error as exc:
        raise _error(exc, attachment) from None


def detach(con: Any, name: str) -> None:
    con.execute(f"DETACH DATABASE IF EXISTS {quote_part(name)}")


def _error(exc: duckdb.Error, attachment: Attachment) -> HpdpError:
    text = first_line(exc)
    where = attachment.shown()
    if "already exists" in text or "already attached" in text:
        return ConflictError(f"A database is already attached as {attachment.name}; pick another name.")
    if attachment.kind == "postgres":
        return UnavailableError(
            f"The PostgreSQL database at {where} did not answer ({_reason(text)}); check that it runs and the URL.",
            detail=str(exc),
        )
    if isinstance(exc, duckdb.IOException):
        return UnavailableError(
            f"Cannot open the {attachment.kind} database at {where} ({_reason(text)}).", detail=str(exc)
        )
    return QueryError(f"Cannot attach {where}: {_reason(text)}.", detail=str(exc))


def _reason(text: str) -> str:
    """The engine's reason, short: its last clause, without the trailing period."""
    reason = text.split(": ")[-1].strip().rstrip(".")
    return reason[:160]
