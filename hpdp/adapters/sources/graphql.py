"""GraphQL over HTTP: a query with variables, paged Relay-style (`pageInfo.endCursor/hasNextPage`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from hpdp.adapters.sources.http import HttpClient
from hpdp.adapters.sources.records import at_path, digest, to_table
from hpdp.application.sources import AbstractSource, Page
from hpdp.domain.sources import CatalogError, SourceError, SourceSpec


class GraphQLSource(AbstractSource):
    kind = "graphql"

    def __init__(self, spec: SourceSpec) -> None:
        super().__init__(spec)
        self.query = spec.option("query")
        if not self.query:
            raise CatalogError(f"Source {spec.name!r} is a GraphQL source without a `query`", hint="add one.")
        self.connection = spec.records or ""
        self.http = HttpClient(spec)

    def _pages(self, start: Any) -> Iterator[Page]:
        variables = dict(self.spec.option("variables") or {})
        inc = self.spec.incremental
        if inc is not None and inc.param and start is not None:
            variables[inc.param] = start
        cursor_var = self.spec.pagination.get("cursor_variable", "after")
        while True:
            body, response = self.http.json("POST", self.spec.url, json={"query": self.query, "variables": variables})
            where = f"{response.url} (variables {variables})"
            if isinstance(body, dict) and body.get("errors"):
                first = body["errors"][0]
                message = first.get("message", first) if isinstance(first, dict) else first
                raise SourceError(f"GraphQL source {self.spec.name!r} answered an error: {message}.")
            connection = at_path(body, f"data.{self.connection}" if self.connection else "data", None)
            if not isinstance(connection, dict):
                raise SourceError(
                    f"{where} has no connection at data.{self.connection}",
                    hint="check `records`.",
                    code="source_body_invalid",
                )
            if "edges" in connection:
                records = [edge.get("node") for edge in connection["edges"] or []]
            else:
                records = connection.get("nodes") or []
            total = connection.get("totalCount")
            yield Page(to_table(records, where), where, digest(records), total if isinstance(total, int) else None)
            info = connection.get("pageInfo") or {}
            if not info.get("hasNextPage") or not info.get("endCursor"):
                return
            variables = {**variables, cursor_var: info["endCursor"]}

    def close(self) -> None:
        self.http.close()
