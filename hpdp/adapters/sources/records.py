"""JSON bodies to Arrow: find the records by a dotted path and convert a page in one call."""

from __future__ import annotations

import zlib
from typing import Any

import orjson
import pyarrow as pa

from hpdp.domain.sources import SourceError

_MISSING = object()


def at_path(body: Any, path: str | None, default: Any = _MISSING) -> Any:
    """The value at a dotted path (`data.items`); `default` when a step is missing."""
    value = body
    for step in (path or "").split(".") if path else ():
        if isinstance(value, dict) and step in value:
            value = value[step]
        elif isinstance(value, list) and step.isdigit() and int(step) < len(value):
            value = value[int(step)]
        elif default is not _MISSING:
            return default
        else:
            raise KeyError(step)
    return value


def records_at(body: Any, path: str | None, where: str) -> list[Any]:
    try:
        records = at_path(body, path)
    except KeyError as exc:
        raise SourceError(
            f"{where} has no {path!r} in its body (missing {exc.args[0]!r}); check `records`."
        ) from None
    if records is None:
        return []
    if isinstance(records, dict):
        return [records]
    if not isinstance(records, list):
        raise SourceError(
            f"{where}: {path or 'the body'!r} is a {type(records).__name__}, not a list of records."
        )
    return records


def to_table(records: list[Any], where: str) -> pa.Table:
    """One Arrow table from a page of records in one pyarrow call.

    Every field of any record becomes a column (pyarrow's from_pylist looks at the first record only, so a
    page whose records differ is built column by column); nested objects become structs, lists lists.
    """
    if not records:
        return pa.table({})
    try:
        names = list(records[0])
        seen = set().union(*records)
    except TypeError:
        raise SourceError(f"{where} returned values that are not records (JSON objects).") from None
    try:
        if len(seen) == len(names):
            return pa.Table.from_pylist(records)
        names += sorted(str(k) for k in seen.difference(names))
        return pa.table({name: pa.array([r.get(name) for r in records]) for name in names})
    except AttributeError:
        raise SourceError(f"{where} returned values that are not records (JSON objects).") from None
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise SourceError(f"{where} returned a field Arrow cannot type ({exc}).") from None


def digest(records: list[Any]) -> int | None:
    """A cheap fingerprint of a page: its size and its first and last records."""
    if not records:
        return None
    return zlib.crc32(orjson.dumps([len(records), records[0], records[-1]], option=orjson.OPT_SORT_KEYS))
