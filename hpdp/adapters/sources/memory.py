"""A source that serves pages held in memory: for unit tests and for trying a load in a notebook."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from hpdp.adapters.sources.records import digest, to_table
from hpdp.application.sources import AbstractSource, Page


class MemorySource(AbstractSource):
    """`pages`: a list of pages, each a list of records; with an incremental field, rows before the
    start value are left out, as an API filtering on the cursor would."""

    kind = "memory"

    def _pages(self, start: Any) -> Iterator[Page]:
        inc = self.spec.incremental
        total = self.spec.option("total")
        for number, records in enumerate(self.spec.option("pages") or [], start=1):
            if inc is not None and start is not None:
                records = [r for r in records if r.get(inc.field) is None or r[inc.field] >= start]
            yield Page(to_table(records, self.spec.name), f"{self.spec.url}#page{number}", digest(records), total)
