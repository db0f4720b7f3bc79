"""The load use case: pull a source's pages, fit the schema, and commit data, cursor and history at once.

One load is ONE store batch holding the data write, the advanced cursor (`_hpdp_cursors`) and the history
row (`_hpdp_loads`), so a failure anywhere leaves table and cursor as they were. A failed load gets its
history row in a separate commit.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from hpdp.application.clock import Clock, utcnow
from hpdp.application.events import AbstractEventBus, NullEventBus
from hpdp.application.profile import column_profile
from hpdp.application.recording import Measure, Recorder
from hpdp.application.sources import AbstractSource
from hpdp.application.store_ports import AbstractStore, SupportsSnapshots
from hpdp.domain.errors import HpdpError, QueryError, UnknownTableError
from hpdp.domain.model import WriteMode
from hpdp.domain.sources import LoadRecord, LoadStatus, SourceError, SourceNotFoundError, SourceSpec

if TYPE_CHECKING:
    import pyarrow as pa

CURSORS = "_hpdp_cursors"
LOADS = "_hpdp_loads"
Progress = Callable[[int, int], None]
ProgressFactory = Callable[[str], AbstractContextManager[Progress | None]]  # per source: rows, pages
SourceFactory = Callable[[SourceSpec], AbstractSource]


@dataclass(frozen=True)
class SourceOutcome:
    """One source of a load of several: its load record, or the error that stopped it."""

    source: str
    record: LoadRecord | None = None
    error: HpdpError | None = None


@dataclass(frozen=True)
class IngestSummary:
    outcomes: list[SourceOutcome]

    @property
    def loaded(self) -> list[LoadRecord]:
        return [o.record for o in self.outcomes if o.record is not None]

    @property
    def failed(self) -> list[str]:
        return [o.source for o in self.outcomes if o.error is not None]

    @property
    def ok(self) -> bool:
        return not self.failed


def encode(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime | date):
        value = value.isoformat()
    return json.dumps(value)


def decode(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def later(a: Any, b: Any) -> Any:
    if a is None:
        return b
    if b is None:
        return a
    try:
        return b if b > a else a
    except TypeError:
        return b


class IngestionService:
    """`hp.ingest(name)`, `hpdp ingest`, `hpdp sources` and `hpdp loads` go through this."""

    def __init__(
        self,
        store: AbstractStore,
        catalog: Callable[[], Mapping[str, SourceSpec]],
        open_source: SourceFactory,
        clock: Clock = utcnow,
        events: AbstractEventBus | None = None,
        recorder: Recorder | None = None,
    ) -> None:
        self.store = store
        self._recorder = recorder
        self._catalog = catalog
        self._open_source = open_source
        self._clock = clock
        self._events = events or NullEventBus()

    def specs(self) -> dict[str, SourceSpec]:
        return dict(self._catalog())

    def spec(self, name: str) -> SourceSpec:
        specs = self.specs()
        if name not in specs:
            known = ", ".join(sorted(specs)) or "none yet"
            raise SourceNotFoundError(f"No source named {name!r} in the sources catalog; known sources: {known}.")
        return specs[name]

    # -- loading ---------------------------------------------------------------------------------------
    def ingest(self, name: str, *, full_refresh: bool = False, progress: Progress | None = None) -> LoadRecord:
        spec = self.spec(name)
        load_id = uuid.uuid4().hex
        with self._measured(spec, load_id) as measure:
            return self._ingest(spec, load_id, full_refresh, progress, measure)

    @contextmanager
    def _measured(self, spec: SourceSpec, load_id: str) -> Iterator[Measure]:
        """The load as a ledger execution (phases fetch, parse, write, commit), when a recorder is given."""
        if self._recorder is None:
            yield Measure()
            return
        with self._recorder.task("load", spec.name, execution_id=load_id) as measure:
            measure.links["load_id"] = load_id
            measure.config.update(source_kind=spec.kind, mode=spec.mode.value, parser=spec.option("parser", "auto"))
            measure.config["store"] = self.store.engine
            yield measure

    def _ingest(
        self, spec: SourceSpec, load_id: str, full_refresh: bool, progress: Progress | None, measure: Measure
    ) -> LoadRecord:
        name = spec.name
        started = self._clock()
        counts = [0, 0]
        self._events.publish("load.started", source=name, load_id=load_id)
        try:
            record = self._load(spec, load_id, started, full_refresh, progress, counts, measure)
        except BaseException as exc:
            message = spec.redact(str(exc).strip() or type(exc).__name__)
            self._record_failure(spec, load_id, started, counts, message)
            code = exc.code if isinstance(exc, HpdpError) else "source_failed"
            self._events.publish("load.failed", source=name, load_id=load_id, code=code)
            if isinstance(exc, HpdpError):
                exc.args = (message,)
                raise
            if isinstance(exc, Exception):
                raise SourceError(f"Loading source {spec.name!r} failed: {message}") from exc
            raise
        self._events.publish(
            "load.finished", source=name, load_id=load_id, table=spec.table, rows=record.rows, snapshot=record.snapshot
        )
        measure.links["snapshot_out"] = record.snapshot
        return record

    def ingest_all(
        self,
        *,
        full_refresh: bool = False,
        progress: ProgressFactory | None = None,
        on_outcome: Callable[[SourceOutcome], None] | None = None,
    ) -> IngestSummary:
        """Load every source of the catalog, in name order; a failed source does not stop the others."""
        outcomes = []
        for name in sorted(self.specs()):
            try:
                with (progress or _no_progress)(name) as report:
                    outcome = SourceOutcome(name, record=self.ingest(name, full_refresh=full_refresh, progress=report))
            except HpdpError as exc:
                outcome = SourceOutcome(name, error=exc)
            outcomes.append(outcome)
            if on_outcome is not None:
                on_outcome(outcome)
        return IngestSummary(outcomes)

    def _load(
        self,
        spec: SourceSpec,
        load_id: str,
        started: datetime,
        full_refresh: bool,
        progress: Progress | None,
        counts: list[int],
        measure: Measure,
    ) -> LoadRecord:
        last = None if full_refresh else self.cursor(spec.name)
        start = spec.incremental.start(last) if spec.incremental else None
        from hpdp.application.schema import combine, reconcile, widened  # pyarrow loads only for a load

        tables: list[pa.Table] = []
        parse_s, t0 = 0.0, time.perf_counter()
        with self._open_source(spec) as source:
            for page in source.pages(start):
                if page.rows:
                    tables.append(page.data)
                parse_s += page.parse_s
                counts[0] += page.rows
                counts[1] += 1
                if progress is not None:
                    progress(counts[0], counts[1])
        measure.add("fetch", time.perf_counter() - t0 - parse_s)
        measure.add("parse", parse_s)
        write_t0 = time.perf_counter()
        data = combine(tables, spec.name)
        mode = WriteMode.REPLACE if full_refresh else spec.mode
        existing = None if mode is WriteMode.REPLACE else self._schema(spec.table)
        fitted = reconcile(existing, data, spec.schema, spec.table)
        cursor = self._advance(spec, last, fitted.data)
        finished = self._clock()
        record = LoadRecord(
            load_id=load_id,
            source=spec.name,
            table=spec.table,
            started=started,
            finished=finished,
            status=LoadStatus.OK,
            rows=data.num_rows,
            pages=counts[1],
            mode=mode.value,
            cursor=encode(cursor),
        )
        measure.add("write", time.perf_counter() - write_t0)
        measure.rows, measure.bytes = data.num_rows, data.nbytes
        commit_t0 = time.perf_counter()
        with self.store.batch() as batch:
            if fitted.widen:
                current = self.store.read(spec.table, format="arrow")
                batch.write(spec.table, widened(current, fitted.widen), WriteMode.REPLACE)
            if fitted.data.num_columns:
                batch.write(spec.table, fitted.data, mode, spec.key or None)
            if spec.incremental is not None:
                batch.write(CURSORS, self._cursor_row(spec, cursor, load_id, finished), WriteMode.MERGE, "source")
            batch.write(LOADS, _history_row(record), WriteMode.APPEND)
        measure.add("commit", time.perf_counter() - commit_t0)
        if self._recorder is not None:
            measure.config["columns"] = column_profile(fitted.data)
        return replace(record, snapshot=self._committed_snapshot(load_id))

    def _advance(self, spec: SourceSpec, last: Any, data: pa.Table) -> Any:
        if spec.incremental is None:
            return None
        name = spec.incremental.field
        if data.num_rows == 0:
            return last
        if name not in data.column_names:
            raise SourceError(
                f"The cursor field {name!r} of source {spec.name!r} is not in the data; "
                f"fields received: {', '.join(data.column_names[:12])}."
            )
        import pyarrow.compute as pc

        newest = pc.max(data.column(name)).as_py()
        if isinstance(newest, datetime | date):
            newest = newest.isoformat()
        return later(last, newest)

    def _cursor_row(self, spec: SourceSpec, cursor: Any, load_id: str, when: datetime) -> pa.Table:
        import pyarrow as pa

        assert spec.incremental is not None
        return pa.table(
            {
                "source": [spec.name],
                "field": [spec.incremental.field],
                "value": [encode(cursor)],
                "load_id": [load_id],
                "updated": pa.array([when], pa.timestamp("us", tz="UTC")),
            }
        )

    def _record_failure(
        self, spec: SourceSpec, load_id: str, started: datetime, counts: list[int], message: str
    ) -> None:
        record = LoadRecord(
            load_id=load_id,
            source=spec.name,
            table=spec.table,
            started=started,
            finished=self._clock(),
            status=LoadStatus.FAILED,
            rows=counts[0],
            pages=counts[1],
            mode=spec.mode.value,
            error=message,
        )
        with suppress(Exception):  # if the store itself failed, the original error is what the user needs
            self.store.write(LOADS, _history_row(record), WriteMode.APPEND)

    def _committed_snapshot(self, load_id: str) -> int | None:
        """The snapshot that holds a load: DuckLake tells it per row (`snapshot_id`), so it stays exact
        when other processes commit at the same moment."""
        if not isinstance(self.store, SupportsSnapshots):
            return None
        try:
            rows = self.store.sql(f"SELECT snapshot_id FROM {LOADS} WHERE load_id = ?", [load_id], format="arrow")
            return int(rows.column(0)[0].as_py())
        except (HpdpError, IndexError):
            return self.store.current_snapshot()

    def _schema(self, table: str) -> pa.Schema | None:
        try:
            return self.store.sql(f"SELECT * FROM {_quote(table)} LIMIT 0", format="arrow").schema
        except UnknownTableError:
            return None

    # -- state and history -------------------------------------------------------------------------------
    def cursor(self, name: str) -> Any:
        try:
            rows = self.store.sql(f"SELECT value FROM {CURSORS} WHERE source = ?", [name], format="arrow")
        except UnknownTableError:
            return None
        return decode(rows.column("value")[0].as_py()) if rows.num_rows else None

    def loads(self, name: str | None = None, limit: int | None = None) -> list[LoadRecord]:
        where = " WHERE source = ?" if name else ""
        tail = " ORDER BY started DESC" + (f" LIMIT {int(limit)}" if limit else "")
        params = [name] if name else None
        columns = ["*, snapshot_id AS committed_snapshot", "*"] if isinstance(self.store, SupportsSnapshots) else ["*"]
        for i, cols in enumerate(columns):
            try:
                rows = self.store.sql(f"SELECT {cols} FROM {LOADS}{where}{tail}", params, format="arrow").to_pylist()
                break
            except UnknownTableError:
                return []
            except QueryError:
                if i + 1 == len(columns):
                    raise
        return [_record(r) for r in rows]

    def last_loads(self) -> dict[str, LoadRecord]:
        latest: dict[str, LoadRecord] = {}
        for record in reversed(self.loads()):
            latest[record.source] = record
        return latest


def _no_progress(name: str) -> AbstractContextManager[Progress | None]:
    return nullcontext(None)


def _quote(name: str) -> str:
    return ".".join('"' + part + '"' for part in name.split("."))


def _history_row(record: LoadRecord) -> pa.Table:
    import pyarrow as pa

    ts = pa.timestamp("us", tz="UTC")
    return pa.table(
        {
            "load_id": [record.load_id],
            "source": [record.source],
            "table_name": [record.table],
            "started": pa.array([record.started], ts),
            "finished": pa.array([record.finished], ts),
            "status": [record.status.value],
            "rows": pa.array([record.rows], pa.int64()),
            "pages": pa.array([record.pages], pa.int64()),
            "mode": [record.mode],
            "cursor": pa.array([record.cursor], pa.string()),
            "error": pa.array([record.error], pa.string()),
        }
    )


def _record(row: dict[str, Any]) -> LoadRecord:
    return LoadRecord(
        load_id=row["load_id"],
        source=row["source"],
        table=row["table_name"],
        started=row["started"],
        finished=row["finished"],
        status=LoadStatus(row["status"]),
        rows=row["rows"],
        pages=row["pages"],
        mode=row["mode"],
        cursor=row["cursor"],
        snapshot=row.get("committed_snapshot") if row["status"] == LoadStatus.OK else None,
        error=row["error"],
    )
