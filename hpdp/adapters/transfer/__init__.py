"""Transfers: a remote hpdp server's tables moved as Arrow Flight streams or over its HTTP API."""
