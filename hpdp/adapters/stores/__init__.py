"""Store adapters. DuckDB is the query engine; each adapter attaches a different catalog."""
