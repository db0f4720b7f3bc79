"""The web interface of `hpdp serve`: an HTTP API and Panel dashboards over the same services."""
