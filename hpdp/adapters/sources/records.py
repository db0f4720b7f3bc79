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
            f"{where} has no {path!r} in its body (missing {exc.args[0]!r})",
            hint="check `records`.",
            code="source_body_invalid",
        ) from None
    if records is None:
        return []
    if isinstance(records, dict):
        return [records]
    if not isinstance(records, list):
        raise SourceError(f"{where}: {path or 'the body'!r} is a {type(records).__name__}, not a list of records.")
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


class ArrowBodyParser:
    """Parses one-line JSON object bodies with Arrow's C++ reader, records at a top-level key, without
    building Python objects for the rows. A call returns the records and the other top-level fields (for
    pagination), or None when the body does not fit (the caller then parses it in Python).

    Arrow's reader types ISO-8601 strings as timestamps (`parser: arrow`). With `keep_text` (`parser: auto`)
    those fields stay strings, as the Python parser gives them: the first body that has one is read again
    with an explicit schema, which later pages of the load reuse, so each page is still parsed once."""

    def __init__(self, path: str, keep_text: bool) -> None:
        self.path = path
        self.keep_text = keep_text
        self._schema: pa.Schema | None = None

    def __call__(self, content: bytes, where: str) -> tuple[pa.Table, dict[str, Any]] | None:
        if b"\n" in content.strip() or not content.lstrip().startswith(b"{"):
            return None
        try:
            body = self._read(content)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            if self._schema is None:
                return None
            self._schema = None  # a field changed type: infer again for this page
            try:
                body = self._read(content)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                return None
        return _records(body, self.path, where)

    def _read(self, content: bytes) -> pa.Table:
        import io

        import pyarrow.json as pj

        options = pj.ReadOptions(block_size=len(content) + 64, use_threads=False)
        parse = pj.ParseOptions(explicit_schema=self._schema) if self._schema is not None else None
        body = pj.read_json(io.BytesIO(content), read_options=options, parse_options=parse)
        if self.keep_text and _has_timestamp(body.schema):
            self._schema = pa.schema([_as_text(f) for f in body.schema])
            parse = pj.ParseOptions(explicit_schema=self._schema)
            body = pj.read_json(io.BytesIO(content), read_options=options, parse_options=parse)
        return body


def _records(body: pa.Table, path: str, where: str) -> tuple[pa.Table, dict[str, Any]] | None:
    if body.num_rows != 1:
        return None
    if path not in body.column_names:
        raise SourceError(f"{where} has no {path!r} in its body", hint="check `records`.", code="source_body_invalid")
    column = body.column(path).combine_chunks()
    meta = body.drop_columns([path]).to_pylist()[0]
    if pa.types.is_null(column.type) or (pa.types.is_list(column.type) and pa.types.is_null(column.type.value_type)):
        return pa.table({}), meta
    if not pa.types.is_list(column.type) or not pa.types.is_struct(column.type.value_type):
        return None
    table = pa.Table.from_struct_array(column.flatten())
    for index, field in enumerate(table.schema):  # seconds → microseconds, DuckDB's TIMESTAMP
        if pa.types.is_timestamp(field.type) and field.type.unit != "us":
            wider = pa.timestamp("us", field.type.tz)
            table = table.set_column(index, pa.field(field.name, wider), table.column(index).cast(wider))
    return table, meta


def _has_timestamp(schema: pa.Schema) -> bool:
    return any(_text_type(f.type) != f.type for f in schema)


def _as_text(field: pa.Field) -> pa.Field:
    return field.with_type(_text_type(field.type))


def _text_type(dtype: pa.DataType) -> pa.DataType:
    """The same type with every timestamp (inferred from an ISO-8601 string) back to a string."""
    if pa.types.is_timestamp(dtype):
        return pa.string()
    if pa.types.is_struct(dtype):
        return pa.struct([_as_text(dtype.field(i)) for i in range(dtype.num_fields)])
    if pa.types.is_list(dtype):
        return pa.list_(_as_text(dtype.value_field))
    return dtype


def table_digest(table: pa.Table) -> int | None:
    """The fingerprint of an Arrow page: its size and its first and last rows."""
    if table.num_rows == 0:
        return None
    ends = [table.num_rows, table.slice(0, 1).to_pylist(), table.slice(table.num_rows - 1).to_pylist()]
    return zlib.crc32(orjson.dumps(ends, option=orjson.OPT_SORT_KEYS, default=str))
