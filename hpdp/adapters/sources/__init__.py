"""Source adapters: one module per API kind."""
