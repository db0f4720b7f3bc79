"""Another database attached to a notebook's SQL session: which kind, where, under what name, read-only or not.

The URL picks the kind: `postgresql://...` (or `postgres://`), `sqlite:///path` (`sqlite:////abs/path`) or a
`.sqlite`/`.sqlite3`/`.db` file, `duckdb:///path` or a `.duckdb` file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from hpdp.domain.errors import InvalidInputError, redact

ATTACH_KINDS = ("duckdb", "sqlite", "postgres")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SQLITE_SUFFIXES = (".sqlite", ".sqlite3", ".db")
_RESERVED = {"memory", "system", "temp", "main"}


@dataclass(frozen=True)
class Attachment:
    kind: str  # one of ATTACH_KINDS
    target: str  # a file path, or the PostgreSQL URL
    name: str
    write: bool = False

    @classmethod
    def parse(cls, url: str, name: str, *, write: bool = False) -> Attachment:
        if not _NAME.match(name) or name.lower() in _RESERVED:
            raise InvalidInputError(
                f"{name!r} cannot name an attached database; use letters, digits and underscores "
                f"(not {', '.join(sorted(_RESERVED))})."
            )
        scheme, sep, rest = url.partition("://")
        scheme = scheme.lower() if sep else ""
        if scheme in ("postgresql", "postgres"):
            return cls("postgres", url, name, write)
        if scheme in ("duckdb", "sqlite"):  # as the store URLs: scheme:///relative or scheme:////absolute
            return cls(scheme, rest.removeprefix("/"), name, write)
        if not sep:
            suffix = Path(url).suffix.lower()
            if suffix == ".duckdb":
                return cls("duckdb", url, name, write)
            if suffix in _SQLITE_SUFFIXES:
                return cls("sqlite", url, name, write)
        raise InvalidInputError(
            f"Cannot tell what database {redact(url)!r} is; use postgresql://..., sqlite:///path, duckdb:///path "
            "or a .duckdb, .sqlite or .db file."
        )

    def shown(self) -> str:
        """Where the database is, without its password."""
        return redact(self.target)
