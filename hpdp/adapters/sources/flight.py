"""Arrow Flight: `do_get` on a ticket, or on the endpoints of a command; the data stays Arrow end to end."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyarrow as pa

from hpdp.application.sources import AbstractSource, Page
from hpdp.domain.errors import first_line
from hpdp.domain.sources import CatalogError, SourceError, SourceSpec


class FlightSource(AbstractSource):
    kind = "flight"

    def __init__(self, spec: SourceSpec) -> None:
        super().__init__(spec)
        if not (spec.option("ticket") or spec.option("command")):
            raise CatalogError(f"Flight source {spec.name!r} needs a `ticket` or a `command`.")

    def _text(self, template: str, start: Any) -> bytes:
        value = "" if start is None else str(start)
        return template.replace("{since}", value).encode()

    def _pages(self, start: Any) -> Iterator[Page]:
        import pyarrow.flight as fl

        url = self.spec.url
        try:
            client = fl.connect(url)
            with client:
                options = fl.FlightCallOptions(timeout=float(self.spec.option("timeout", 60)))
                total: int | None = None
                if self.spec.option("ticket"):
                    tickets = [fl.Ticket(self._text(self.spec.option("ticket"), start))]
                else:
                    descriptor = fl.FlightDescriptor.for_command(self._text(self.spec.option("command"), start))
                    info = client.get_flight_info(descriptor, options)
                    tickets = [endpoint.ticket for endpoint in info.endpoints]
                    total = info.total_records if info.total_records >= 0 else None
                chunk = 0
                for ticket in tickets:
                    reader = client.do_get(ticket, options)
                    for batch in reader:
                        chunk += 1
                        yield Page(pa.Table.from_batches([batch.data]), f"{url} chunk {chunk}", total=total)
        except (fl.FlightError, pa.ArrowException, OSError) as exc:
            raise SourceError(f"Flight source {self.spec.name!r} at {url} failed: {first_line(exc)}.") from None
