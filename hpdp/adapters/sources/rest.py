"""REST APIs over HTTP: next link in the body, Link header, cursor token, offset/limit or page number."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin

from hpdp.adapters.sources.http import HttpClient
from hpdp.adapters.sources.records import ArrowBodyParser, at_path, digest, records_at, table_digest, to_table
from hpdp.application.sources import AbstractSource, Page
from hpdp.domain.sources import CatalogError, SourceError, SourceSpec

STYLES = ("none", "next_link", "link_header", "cursor", "offset", "page")


class RestSource(AbstractSource):
    kind = "rest"

    def __init__(self, spec: SourceSpec) -> None:
        super().__init__(spec)
        self.paging = dict(spec.pagination)
        self.style = str(self.paging.get("type", "none"))
        if self.style not in STYLES:
            raise CatalogError(
                f"Source {spec.name!r} has pagination type {self.style!r}", hint=f"use one of: {', '.join(STYLES)}."
            )
        parser = str(spec.option("parser", "auto"))
        if parser not in ("auto", "python", "arrow"):
            raise CatalogError(f"Source {spec.name!r} has parser {parser!r}", hint="use auto, python or arrow.")
        top_level = bool(spec.records) and "." not in spec.records
        if parser == "arrow" and not top_level:
            raise CatalogError(f"Source {spec.name!r} uses parser: arrow, which needs `records` at a top-level key.")
        # auto: Arrow's reader where the body fits (records at a top-level key), text kept as text
        arrow = parser == "arrow" or (parser == "auto" and top_level)
        self.arrow = ArrowBodyParser(spec.records, keep_text=parser == "auto") if arrow else None
        self.http = HttpClient(spec)

    def _first_params(self, start: Any) -> dict[str, Any]:
        params = dict(self.spec.option("params") or {})
        inc = self.spec.incremental
        if inc is not None and inc.param and start is not None:
            params[inc.param] = start
        return params

    def _pages(self, start: Any) -> Iterator[Page]:
        url: str = self.spec.url
        params = self._first_params(start)
        paging = self.paging
        size = int(paging["limit"]) if "limit" in paging else None
        if self.style == "offset":
            params[paging.get("param", "offset")] = int(paging.get("start", 0))
            params[paging.get("limit_param", "limit")] = size = size or 100
        elif self.style == "page":
            params[paging.get("param", "page")] = int(paging.get("start", 1))
            if size is not None:
                params[paging.get("limit_param", "per_page")] = size
        method = self.spec.option("method", "GET")
        # prefetch: download the next page while this one converts; it pays off on slow, distant APIs
        # and costs a little on fast local ones (the fetching thread competes for the GIL)
        fetch = self.http.prefetch if self.spec.option("prefetch", False) else self.http.now
        pending = fetch(method, url, params=params or None)
        while pending is not None:
            response = pending.result()
            where = str(response.url)
            parsing = time.perf_counter()
            fast = self.arrow(response.content, where) if self.arrow else None
            if fast is not None:
                table, body = fast
                fingerprint = table_digest(table)
            else:
                body = self.http.parse(response)
                records = records_at(body, self.spec.records, where)
                table, fingerprint = to_table(records, where), digest(records)
            parse_s = time.perf_counter() - parsing
            total = at_path(body, paging["total"], None) if "total" in paging else None
            url, params = self._next(url, params, body, response, table.num_rows, size)
            pending = fetch(method, url, params=params or None) if url else None
            yield Page(table, where, fingerprint, _count(total, where), parse_s)

    def _next(
        self, url: str, params: dict[str, Any], body: Any, response: Any, rows: int, size: int | None
    ) -> tuple[str | None, dict[str, Any]]:
        paging, style = self.paging, self.style
        if style == "next_link":
            link = at_path(body, paging.get("path", "next"), None)
            return (urljoin(str(response.url), str(link)), {}) if link else (None, {})
        if style == "link_header":
            link = response.links.get("next", {}).get("url")
            return (urljoin(str(response.url), link), {}) if link else (None, {})
        if style == "cursor":
            token = at_path(body, paging.get("path", "next_cursor"), None)
            more = at_path(body, paging["has_more"], True) if "has_more" in paging else True
            if not token or not more:
                return None, {}
            return url, {**params, paging.get("param", "cursor"): token}
        if style in ("offset", "page"):
            if rows == 0 or (size is not None and rows < size):
                return None, {}
            name = paging.get("param", "offset" if style == "offset" else "page")
            step = rows if style == "offset" else 1
            return url, {**params, name: int(params[name]) + step}
        return None, {}

    def close(self) -> None:
        self.http.close()


def _count(value: Any, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise SourceError(
            f"{where} declared a total of {value!r}, which is not a count",
            hint="check `pagination.total`.",
            code="source_body_invalid",
        )
    return int(value)
