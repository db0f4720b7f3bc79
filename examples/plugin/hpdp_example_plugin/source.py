"""A source: a CSV file, read by pyarrow as one page.

Group `hpdp.sources`; the entry point names a class built with the catalog entry (`SourceSpec`). In
sources.yaml: `people: {kind: csv_file, url: data/people.csv, table: people}`; paths are relative to the
workspace folder's working directory, or absolute.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hpdp.application.sources import AbstractSource, Page
from hpdp.domain.sources import SourceError


class CsvFileSource(AbstractSource):
    kind = "csv_file"

    def _pages(self, start: Any) -> Iterator[Page]:
        import pyarrow as pa
        import pyarrow.csv as csv

        path = Path(self.spec.url.removeprefix("file://"))
        try:
            data = csv.read_csv(path)
        except (OSError, pa.ArrowInvalid) as exc:
            first = str(exc).splitlines()[0]
            raise SourceError(f"Source {self.spec.name!r} could not read {path}: {first}.") from None
        yield Page(data, str(path), total=data.num_rows)
