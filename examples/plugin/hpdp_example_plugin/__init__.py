"""Worked examples of hpdp adapters, one per port group, registered through entry points (see pyproject.toml)."""
