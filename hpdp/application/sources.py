"""The source port: an API that yields pages of rows as Arrow tables.

The base class checks every paginator the same way (template method): a page asked for twice or a page
whose body repeats the previous one is a loop, and a declared total that differs from the rows received
means the paginator stopped early. Either fails the load before anything is written.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from hpdp.domain.sources import PaginationError, SourceSpec


@dataclass(frozen=True)
class Page:
    """Rows of one response. `request` names what was asked; `digest` fingerprints the body."""

    data: Any  # pyarrow.Table
    request: str
    digest: int | None = None
    total: int | None = None
    parse_s: float = 0.0  # of the time to get this page, the seconds spent parsing the body (when known)

    @property
    def rows(self) -> int:
        return int(self.data.num_rows)


class AbstractSource(ABC):
    """One configured source. `pages(start)` yields the rows at or after the incremental start value."""

    kind: str = ""

    def __init__(self, spec: SourceSpec) -> None:
        self.spec = spec

    def pages(self, start: Any = None) -> Iterator[Page]:
        seen: set[str] = set()
        previous: int | None = None
        total: int | None = None
        received = 0
        for page in self._pages(start):
            if page.request in seen:
                raise PaginationError(
                    f"The paginator of source {self.spec.name!r} asked for the same page twice "
                    f"({self.spec.redact(page.request)}); check its pagination settings."
                )
            seen.add(page.request)
            if page.rows and page.digest is not None and page.digest == previous:
                raise PaginationError(
                    f"Source {self.spec.name!r} returned the same page twice in a row "
                    f"({self.spec.redact(page.request)}): the paginator loops; check its pagination settings."
                )
            previous = page.digest if page.rows else None
            if page.total is not None:
                total = page.total
            received += page.rows
            yield page
        if total is not None and received != total:
            raise PaginationError(
                f"Source {self.spec.name!r} declared {total:,} rows but the pages held {received:,}: "
                "the paginator stopped early or looped; nothing was written."
            )

    @abstractmethod
    def _pages(self, start: Any) -> Iterator[Page]: ...

    def close(self) -> None:  # noqa: B027 - a hook: adapters holding a connection override it
        """Release connections."""

    def __enter__(self) -> AbstractSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
