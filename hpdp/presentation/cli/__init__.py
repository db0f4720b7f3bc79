"""The `hpdp` command line."""
