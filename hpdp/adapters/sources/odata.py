"""OData v4 entity sets: `@odata.nextLink` paging, `$filter` on the cursor field, `$select` and
`@odata.count`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin

from hpdp.adapters.sources.http import HttpClient
from hpdp.adapters.sources.records import digest, records_at, to_table
from hpdp.application.sources import AbstractSource, Page
from hpdp.domain.sources import SourceSpec, parse_time


def literal(value: Any) -> str:
    """An OData v4 literal: numbers and date-times bare, strings quoted."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value)
    if parse_time(text) is not None and "T" in text:
        return text if text.endswith("Z") or "+" in text[10:] else text + "Z"
    return "'" + text.replace("'", "''") + "'"


class ODataSource(AbstractSource):
    kind = "odata"

    def __init__(self, spec: SourceSpec) -> None:
        super().__init__(spec)
        self.http = HttpClient(spec)

    def _params(self, start: Any) -> dict[str, Any]:
        params = {str(k): v for k, v in (self.spec.option("params") or {}).items()}
        select = self.spec.option("select")
        if select:
            params["$select"] = select if isinstance(select, str) else ",".join(select)
        filters = [f"({self.spec.option('filter')})"] if self.spec.option("filter") else []
        inc = self.spec.incremental
        if inc is not None and start is not None:
            filters.append(f"{inc.field} ge {literal(start)}")
            params.setdefault("$orderby", inc.field)
        if filters:
            params["$filter"] = " and ".join(filters)
        if self.spec.option("count", True):
            params["$count"] = "true"
        return params

    def _pages(self, start: Any) -> Iterator[Page]:
        url: str | None = self.spec.url
        params: dict[str, Any] | None = self._params(start)
        total: int | None = None
        while url is not None:
            body, response = self.http.json("GET", url, params=params)
            where = str(response.url)
            records = records_at(body, self.spec.records or "value", where)
            if isinstance(body, dict) and isinstance(body.get("@odata.count"), int):
                total = total if total is not None else body["@odata.count"]
            yield Page(to_table(records, where), where, digest(records), total)
            link = body.get("@odata.nextLink") if isinstance(body, dict) else None
            url, params = (urljoin(where, link), None) if link else (None, None)

    def close(self) -> None:
        self.http.close()
