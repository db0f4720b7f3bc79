"""Per-engine facts for the store contract suite: how to configure it and what it can do."""

from __future__ import annotations

from dataclasses import dataclass

from hpdp.infrastructure.registries import STORES


@dataclass(frozen=True)
class EngineCase:
    name: str
    needs_postgres: bool = False
    persistent: bool = True
    snapshots: bool = False
    object_storage: bool = False  # data files in a bucket of a real S3 server
    # Known gaps: test name -> reason. Run as strict xfails, so a fixed gap fails until removed.
    gaps: tuple[tuple[str, str], ...] = ()


CASES = {
    "ducklake": EngineCase("ducklake", snapshots=True),
    "ducklake_pg": EngineCase("ducklake", needs_postgres=True, snapshots=True),
    "ducklake_pg_s3": EngineCase("ducklake", needs_postgres=True, snapshots=True, object_storage=True),
    "duckdb": EngineCase("duckdb"),
    "sqlite": EngineCase(
        "sqlite",
        gaps=(
            (
                "test_a_table_written_from_arrow_reads_back_with_its_values",
                "never: SQLite has no DATE/TIMESTAMP types; DuckDB's sqlite extension stores them as text",
            ),
            (
                "test_a_table_in_a_schema_of_its_own_is_created_on_its_first_write",
                "never: a SQLite database has one schema (the store says so with named_schemas = False)",
            ),
        ),
    ),
    "postgres": EngineCase("postgres", needs_postgres=True),
    "memory": EngineCase("memory", persistent=False),
}
assert {c.name for c in CASES.values()} == set(STORES), "every built-in store needs an EngineCase"


PROCESSOR_NAMES = ("polars", "pandas")
