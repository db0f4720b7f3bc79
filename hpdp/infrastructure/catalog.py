"""The sources catalog: `sources.yaml` in the workspace declares named sources.

`${VAR}` (or `${VAR:-default}`) takes a value from the environment when the catalog is read; such values
are treated as secrets: they are never written back and are masked in messages and load history.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from hpdp.domain.errors import HpdpError
from hpdp.domain.model import WriteMode
from hpdp.domain.sources import CatalogError, Incremental, SchemaPolicy, SourceSpec, parse_lag

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_FIELDS = {"kind", "url", "table", "mode", "key", "records", "pagination", "incremental", "schema"}
_SECRET_MIN = 4


def expand(value: Any, name: str, secrets: set[str], env: dict[str, str]) -> Any:
    if isinstance(value, str):

        def swap(match: re.Match[str]) -> str:
            var, default = match.group(1), match.group(2)
            if var in env:
                if len(env[var]) >= _SECRET_MIN:
                    secrets.add(env[var])
                return env[var]
            if default is not None:
                return default
            raise CatalogError(
                f"Source {name!r} uses ${{{var}}}, which is not set",
                hint=f"export {var} before loading.",
                code="catalog_variable_unset",
            )

        return _VAR.sub(swap, value)
    if isinstance(value, dict):
        return {k: expand(v, name, secrets, env) for k, v in value.items()}
    if isinstance(value, list):
        return [expand(v, name, secrets, env) for v in value]
    return value


def parse_source(name: str, entry: Any, kinds: Iterable[str], env: dict[str, str] | None = None) -> SourceSpec:
    """One catalog entry as a SourceSpec, or one sentence naming the source and what is wrong."""
    if not isinstance(entry, dict):
        raise CatalogError(f"Source {name!r} must be a mapping of settings (kind, url, table, ...).")
    secrets: set[str] = set()
    entry = expand(entry, name, secrets, dict(os.environ) if env is None else env)
    kind = str(entry.get("kind", "rest"))
    known = sorted(kinds)
    if kind not in known:
        raise CatalogError(f"Source {name!r} has kind {kind!r}", hint=f"use one of: {', '.join(known)}.")
    if not entry.get("url"):
        raise CatalogError(f"Source {name!r} has no `url`", hint="add the address of the API.")
    key = entry.get("key") or ()
    pagination = entry.get("pagination") or {}
    if isinstance(pagination, str):
        pagination = {"type": pagination}
    if not isinstance(pagination, dict):
        raise CatalogError(
            f"Source {name!r} has a `pagination` that is not a mapping; write `pagination: {{type: ...}}`."
        )
    try:
        return SourceSpec(
            name=name,
            kind=kind,
            url=str(entry["url"]),
            table=str(entry.get("table", name)),
            mode=WriteMode.parse(entry.get("mode", "append")),
            key=(key,) if isinstance(key, str) else tuple(str(k) for k in key),
            records=entry.get("records"),
            pagination=pagination,
            incremental=_incremental(name, entry.get("incremental")),
            schema=_schema(name, entry.get("schema", "evolve")),
            options={k: v for k, v in entry.items() if k not in _FIELDS},
            secrets=tuple(secrets),
        )
    except CatalogError:
        raise
    except HpdpError as exc:
        raise CatalogError(f"Source {name!r}: {exc.message}", hint=exc.hint, code=exc.code) from None


def _incremental(name: str, value: Any) -> Incremental | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = {"field": value}
    if not isinstance(value, dict) or not value.get("field"):
        raise CatalogError(f"Source {name!r} has an `incremental` without a `field`", hint="name the cursor field.")
    try:
        lag = parse_lag(value.get("lag"))
    except HpdpError as exc:
        raise CatalogError(f"Source {name!r}: {exc.message}", hint=exc.hint, code=exc.code) from None
    return Incremental(field=str(value["field"]), lag=lag, initial=value.get("initial"), param=value.get("param"))


def _schema(name: str, value: Any) -> SchemaPolicy:
    try:
        return SchemaPolicy(str(value))
    except ValueError:
        raise CatalogError(f"Source {name!r} has schema {value!r}", hint="use evolve or frozen.") from None


def load_catalog(path: Path, kinds: Iterable[str]) -> dict[str, SourceSpec]:
    """Every source of the catalog file (none when the file does not exist)."""
    import yaml

    if not path.exists():
        return {}
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise CatalogError(
            f"The sources catalog {str(path)!r} is not valid YAML{where}", hint="fix the file."
        ) from None
    if isinstance(data, dict) and "sources" in data:
        data = data["sources"] or {}
    if not isinstance(data, dict):
        raise CatalogError(f"The sources catalog {str(path)!r} must map source names to their settings.")
    kinds = list(kinds)
    return {str(name): parse_source(str(name), entry, kinds) for name, entry in data.items()}


def catalog_reader(path: Path, kinds: Callable[[], Iterable[str]]) -> Callable[[], dict[str, SourceSpec]]:
    return lambda: load_catalog(path, kinds())
