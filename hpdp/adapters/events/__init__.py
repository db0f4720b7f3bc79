"""Event bus adapters: a SQLite file in the workspace (one host) and a Redis stream (several hosts)."""
