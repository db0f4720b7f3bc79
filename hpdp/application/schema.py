"""Schema policy for loads: pages combine in Arrow; new fields add columns, compatible types widen,
and a frozen schema turns any drift into an error naming the field."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

from hpdp.domain.errors import first_line
from hpdp.domain.sources import SchemaDriftError, SchemaPolicy

_STRINGS = (pa.string(), pa.large_string(), pa.string_view())


@dataclass
class Reconciled:
    data: pa.Table
    widen: dict[str, pa.DataType] = field(default_factory=dict)


def combine(pages: list[pa.Table], source: str) -> pa.Table:
    """One table from every page; a field seen in some pages only is NULL elsewhere."""
    if not pages:
        return pa.table({})
    try:
        data = pa.concat_tables(pages, promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
        raise SchemaDriftError(
            f"The pages of source {source!r} disagree on a field's type ({first_line(exc)})",
            hint="fix the source or give the field one type.",
        ) from None
    keep = [i for i, f in enumerate(data.schema) if not pa.types.is_null(f.type)]
    return data.select(keep) if len(keep) != data.num_columns else data


def same_type(a: pa.DataType, b: pa.DataType) -> bool:
    return a.equals(b) or (a in _STRINGS and b in _STRINGS)


def common_type(a: pa.DataType, b: pa.DataType) -> pa.DataType | None:
    try:
        unified = pa.unify_schemas([pa.schema([("x", a)]), pa.schema([("x", b)])], promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None
    return unified.field("x").type


def reconcile(existing: pa.Schema | None, data: pa.Table, policy: SchemaPolicy, table: str) -> Reconciled:
    """Fit the data to the table: cast narrower fields up, and list the table columns that must widen."""
    if existing is None or data.num_columns == 0:
        return Reconciled(data)
    have = {f.name: f.type for f in existing}
    frozen = policy is SchemaPolicy.FROZEN
    result = Reconciled(data)
    for index, incoming in enumerate(data.schema):
        name, got = incoming.name, incoming.type
        if name not in have:
            if frozen:
                raise SchemaDriftError(
                    f"Field {name!r} is not a column of table {table!r}, whose schema is frozen",
                    hint="drop the field at the source or set `schema: evolve`.",
                )
            continue
        want = have[name]
        if same_type(want, got):
            continue
        common = common_type(want, got)
        if common is None:
            raise SchemaDriftError(
                f"Field {name!r} of table {table!r} changed type from {want} to {got}, which cannot be widened",
                hint="fix the source or load into a new table.",
            )
        if not same_type(common, want):
            if frozen:
                raise SchemaDriftError(
                    f"Field {name!r} of table {table!r} changed type from {want} to {got}, "
                    "but the table's schema is frozen",
                    hint="set `schema: evolve` to widen it.",
                )
            result.widen[name] = common
        target = common if name in result.widen else want
        try:
            column = result.data.column(index).cast(target)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
            raise SchemaDriftError(
                f"Field {name!r} of table {table!r} cannot be stored as {target} ({first_line(exc)})."
            ) from None
        result.data = result.data.set_column(index, pa.field(name, target), column)
    return result


def widened(existing: pa.Table, widen: dict[str, pa.DataType]) -> pa.Table:
    """The table's current rows with the given columns cast to their wider types."""
    for name, dtype in widen.items():
        index = existing.schema.get_field_index(name)
        existing = existing.set_column(index, pa.field(name, dtype), existing.column(index).cast(dtype))
    return existing
