"""Cleaning suggestions: pure rules over column profiles, and applying them as one new snapshot."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from hpdp.application.profiling import AbstractTableProfiler
from hpdp.application.store_ports import AbstractStore, SupportsSnapshots
from hpdp.domain.cleaning import MISSING_MARKERS, CleaningReport, ColumnChange, ColumnProfile, Suggestion
from hpdp.domain.errors import InvalidInputError, UnknownTableError

REPORTS_TABLE = "hpdp_meta.cleaning_reports"
_ID_LIKE = re.compile(r"^(id|key|uuid|.+_id|.+_key)$", re.IGNORECASE)


def counted(n: int, noun: str, plural: str | None = None) -> str:
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


# -- rules: each takes profiles and returns suggestions ---------------------------------------------------
def cast_target(p: ColumnProfile) -> str | None:
    """The narrowest type every non-marker value of a text column parses as (None when not all do)."""
    if not p.text or p.values == 0:
        return None
    for target, parsed in (
        ("BOOLEAN", p.as_boolean),
        ("BIGINT", p.as_bigint),
        ("DOUBLE", p.as_double),
        ("DATE", p.as_date),
        ("TIMESTAMP", p.as_timestamp),
    ):
        if parsed == p.values:
            return target
    return None


def cast_rule(p: ColumnProfile) -> Suggestion | None:
    target = cast_target(p)
    if target is None:
        return None
    markers = f" once its {counted(p.markers, 'missing-value marker')} {'is' if p.markers == 1 else 'are'} NULL"
    markers = markers if p.markers else ""
    return Suggestion(
        "cast",
        p.name,
        f"Text column {p.name!r} parses fully as {target}{markers}: store it as {target}.",
        applied=True,
        detail={"to": target, "values": p.values},
    )


def markers_rule(p: ColumnProfile) -> Suggestion | None:
    if not p.text or p.markers == 0:
        return None
    return Suggestion(
        "missing_markers",
        p.name,
        f"Column {p.name!r} has {counted(p.markers, 'missing-value marker')} (such as '', 'NA', 'null'): "
        "make them NULL.",
        applied=True,
        detail={"count": p.markers, "markers": list(MISSING_MARKERS)},
    )


def canonical_spellings(p: ColumnProfile) -> dict[str, str]:
    """Each variant mapped to its group's first spelling (the profiler lists the one to keep first)."""
    return {v: group[0] for group in p.variants for v in group[1:]}


def categories_rule(p: ColumnProfile) -> Suggestion | None:
    if not p.text or not p.variants or cast_target(p) is not None:
        return None
    shown = "; ".join(" / ".join(repr(v) for v in g) for g in p.variants[:3])
    more = f" and {len(p.variants) - 3} more groups" if len(p.variants) > 3 else ""
    return Suggestion(
        "categories",
        p.name,
        f"Column {p.name!r} spells {counted(len(p.variants), 'category', 'categories')} several ways, "
        "differing only by case or spaces "
        f"({shown}{more}): use one spelling for each (trimmed, most frequent).",
        applied=True,
        detail={"groups": [list(g) for g in p.variants]},
    )


def constant_rule(p: ColumnProfile) -> Suggestion | None:
    if p.rows < 2 or p.distinct > 1:
        return None
    what = "only NULL" if p.distinct == 0 else "one value"
    return Suggestion(
        "constant_column",
        p.name,
        f"Column {p.name!r} holds {what} in all {p.rows} rows: it carries no information (kept; drop it if unused).",
        applied=False,
    )


RULES = (markers_rule, cast_rule, categories_rule, constant_rule)


def key_columns(profiles: Sequence[ColumnProfile], key: Sequence[str] | None) -> list[str]:
    """The key given, or the first id-like column (named id, key, uuid, *_id, *_key)."""
    names = [p.name for p in profiles]
    if key:
        missing = [k for k in key if k not in names]
        if missing:
            raise InvalidInputError(
                f"The key column {missing[0]!r} is not a column; the columns are: {', '.join(names)}.",
                code="column_not_found",
            )
        return list(key)
    return next(([n] for n in names if _ID_LIKE.match(n)), [])


def duplicates_rule(key: Sequence[str], count: int, examples: Sequence[Any]) -> Suggestion | None:
    if not key or count == 0:
        return None
    name = ", ".join(key)
    shown = ", ".join(repr(e) for e in examples[:3])
    return Suggestion(
        "duplicate_keys",
        name,
        f"Key {name} has {counted(count, 'value')} {'that occurs' if count == 1 else 'that occur'} more than once "
        f"(such as {shown}): decide which rows to keep.",
        applied=False,
        detail={"count": count, "examples": list(examples)},
    )


def suggest(profiles: Sequence[ColumnProfile]) -> list[Suggestion]:
    return [s for p in profiles for rule in RULES if (s := rule(p)) is not None]


def plan(profiles: Sequence[ColumnProfile]) -> list[ColumnChange]:
    """What `apply` changes, per text column, from the same rules that the report shows."""
    changes = []
    for p in profiles:
        if not p.text:
            continue
        target = cast_target(p)
        canonical = canonical_spellings(p) if target is None else {}
        change = ColumnChange(p.name, nullify_markers=p.markers > 0, canonical=canonical, cast=target)
        if change.nullify_markers or change.canonical or change.cast:
            changes.append(change)
    return changes


# -- the use case -----------------------------------------------------------------------------------------
class CleaningService:
    def __init__(self, store: AbstractStore, profiler: AbstractTableProfiler) -> None:
        self.store = store
        self.profiler = profiler

    def report(self, table: str, key: Sequence[str] | None = None) -> CleaningReport:
        if not self.store.has_table(table):
            raise UnknownTableError(f"Table {table!r} does not exist.")
        profiles = self.profiler.profiles(table)
        suggestions = suggest(profiles)
        keys = key_columns(profiles, key)
        if keys:
            count, examples = self.profiler.duplicate_keys(table, keys)
            if (dup := duplicates_rule(keys, count, examples)) is not None:
                suggestions.append(dup)
        rows = profiles[0].rows if profiles else 0
        return CleaningReport(table, rows, tuple(suggestions), tuple(plan(profiles)), self._snapshot())

    def apply(self, table: str, key: Sequence[str] | None = None) -> CleaningReport:
        """Write the cleaned table and its report in one commit (one new snapshot); nothing when clean."""
        import json

        import pyarrow as pa

        report = self.report(table, key)
        if not report.changes:
            return report
        data = self.profiler.cleaned(table, report.changes)
        record = pa.table(
            {
                "table_name": [table],
                "applied_at": [datetime.now(UTC).replace(tzinfo=None)],
                "snapshot_before": pa.array([report.snapshot_before], pa.int64()),
                "report": [json.dumps(report.as_dict(), default=str)],
            }
        )
        with self.store.batch() as batch:
            batch.write(table, data, "replace")
            batch.write(REPORTS_TABLE, record, "append")
        return CleaningReport(
            report.table, report.rows, report.suggestions, report.changes, report.snapshot_before, self._snapshot()
        )

    def _snapshot(self) -> int | None:
        return self.store.current_snapshot() if isinstance(self.store, SupportsSnapshots) else None
