"""The Arrow Flight endpoint: tables, read-only SQL and atomic writes of the store, as Arrow streams."""
