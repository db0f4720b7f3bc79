"""Recording executions: timing phases, CPU and memory, and handing the record to the ledger.

Every task kind goes through one `Recorder`: `with recorder.task("load", name) as m: with m.phase("fetch"):
...` measures it and records it when the block ends, failed or not. Recording never fails a task: a ledger
that cannot be written is logged. After each record the findings of that subject are refreshed, so they
appear without anyone asking. `%sql` and `hp.sql` queries are recorded when HPDP_RECORD_QUERIES (a sample
rate from 0 to 1) is set. A writer thread does the writing, so a task does not wait for the ledger's
commit; many executions that arrive together share one commit.
"""

from __future__ import annotations

import logging
import random
import sys
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from hpdp.application.clock import Clock, utcnow
from hpdp.domain.errors import HpdpError
from hpdp.domain.ledger import TaskExecution, normalized_sql, query_fingerprint

if TYPE_CHECKING:
    import pyarrow as pa

    from hpdp.application.ledger import AbstractLedger, InsightService

log = logging.getLogger(__name__)


def process_usage() -> tuple[float, int | None]:
    """CPU seconds of this process so far, and its peak resident memory in bytes (None when unknown)."""
    cpu = time.process_time()
    try:
        import resource  # POSIX

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return cpu, int(peak if sys.platform == "darwin" else peak * 1024)
    except ImportError:
        pass
    try:
        import psutil  # Windows: the working set's peak

        info = psutil.Process().memory_info()
        return cpu, int(getattr(info, "peak_wset", info.rss))
    except Exception:
        return cpu, None


@dataclass
class Measure:
    """What a task block fills in while it runs: phases, amounts, links and configuration."""

    phases: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    rows: int | None = None
    bytes: int | None = None
    links: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    cpu_s: float | None = None  # set when the work ran elsewhere (a kernel): else this process's CPU
    peak_rss: int | None = None

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.phases[name] += time.perf_counter() - t0

    def add(self, name: str, seconds: float) -> None:
        self.phases[name] += seconds


class Recorder:
    """Hands executions to the ledger. With `background` (the default) a writer thread takes them off the
    task's path: it writes whatever has arrived in one commit, then refreshes those subjects' findings;
    `close()` (or `flush()`) waits until everything is written."""

    def __init__(
        self,
        ledger: AbstractLedger,
        insights: InsightService | None = None,
        *,
        host: str = "",
        version: str = "",
        clock: Clock = utcnow,
        query_rate: float = 0.0,
        chance: Callable[[], float] = random.random,
        background: bool = True,
        exclusive: Callable[[], AbstractContextManager[object]] = nullcontext,
    ) -> None:
        self.ledger = ledger
        self._exclusive = exclusive  # held while the writer writes and refreshes: no task commits meanwhile
        self.insights = insights
        self.host = host
        self.version = version
        self.query_rate = query_rate
        self.background = background
        self._clock = clock
        self._chance = chance
        self._pending: list[TaskExecution] = []
        self._busy = False
        self._closed = False
        self._wake = threading.Condition()
        self._writer: threading.Thread | None = None

    # -- any task -------------------------------------------------------------------------------------------
    def record(self, execution: TaskExecution) -> None:
        """Record one execution and refresh its subject's findings; failures are logged, never raised."""
        if not self.background:
            self._write([execution])
            return
        with self._wake:
            self._pending.append(execution)
            if self._writer is None:
                self._writer = threading.Thread(target=self._drain, name="hpdp-ledger", daemon=True)
                self._writer.start()
            self._wake.notify_all()

    def _drain(self) -> None:
        while True:
            with self._wake:
                while not self._pending and not self._closed:
                    self._wake.wait()
                if not self._pending:
                    return
                batch, self._pending, self._busy = self._pending, [], True
            try:
                self._write(batch)
            finally:
                with self._wake:
                    self._busy = False
                    self._wake.notify_all()

    def _write(self, batch: list[TaskExecution]) -> None:
        with self._exclusive():
            self._write_and_refresh(batch)

    def _write_and_refresh(self, batch: list[TaskExecution]) -> None:
        try:
            self.ledger.record_many(batch)
        except Exception:
            log.exception("the ledger could not record %d execution(s)", len(batch))
            return
        if self.insights is None:
            return
        latest = {e.subject: e for e in batch if e.kind != "query"}  # queries: a full refresh finds them
        for execution in latest.values():
            self.insights.after(execution)

    def flush(self) -> None:
        """Wait until every execution handed over so far is written."""
        with self._wake:
            if self._writer is not None and self._writer.is_alive():
                while self._pending or self._busy:
                    self._wake.wait()
                return
            batch, self._pending = self._pending, []
        if batch:
            self._write(batch)

    def close(self) -> None:
        self.flush()
        with self._wake:
            self._closed = True
            self._wake.notify_all()
        if self._writer is not None:
            self._writer.join()

    def execution(
        self,
        kind: str,
        subject: str,
        started: datetime,
        ended: datetime,
        measure: Measure,
        *,
        parameters: dict[str, Any] | None = None,
        error: BaseException | None = None,
        execution_id: str | None = None,
        error_code: str | None = None,
    ) -> TaskExecution:
        """A failed task gives its exception (`error`) or only its code (`error_code`)."""
        code = error_code
        if error is not None:
            code = error.code if isinstance(error, HpdpError) else type(error).__name__
        return TaskExecution(
            id=execution_id or uuid.uuid4().hex,
            kind=kind,
            subject=subject,
            started=started,
            ended=ended,
            parameters=dict(parameters or {}),
            links={k: v for k, v in measure.links.items() if v not in (None, "")},
            host=self.host,
            phases={k: round(v, 6) for k, v in measure.phases.items()},
            rows=measure.rows,
            bytes=measure.bytes,
            cpu_s=measure.cpu_s,
            peak_rss=measure.peak_rss,
            outcome="failed" if code is not None else "ok",
            error_code=code,
            config={"version": self.version, **measure.config},
        )

    @contextmanager
    def task(
        self,
        kind: str,
        subject: str,
        *,
        parameters: dict[str, Any] | None = None,
        execution_id: str | None = None,
    ) -> Iterator[Measure]:
        """Measure the block (wall time, CPU, peak memory of this process) and record it, also on failure."""
        measure = Measure()
        started, t0 = self._clock(), time.perf_counter()
        cpu0, _ = process_usage()
        error: BaseException | None = None
        try:
            yield measure
        except BaseException as exc:
            error = exc
            raise
        finally:
            cpu1, peak = process_usage()
            if measure.cpu_s is None:
                measure.cpu_s = round(cpu1 - cpu0, 6)
            if measure.peak_rss is None:
                measure.peak_rss = peak
            ended = started + timedelta(seconds=time.perf_counter() - t0)
            self.record(
                self.execution(
                    kind,
                    subject,
                    started,
                    ended,
                    measure,
                    parameters=parameters,
                    error=error,
                    execution_id=execution_id,
                )
            )

    # -- transfers ------------------------------------------------------------------------------------------
    def transferred(
        self, reader: pa.RecordBatchReader, subject: str, config: dict[str, Any] | None = None, **links: Any
    ) -> pa.RecordBatchReader:
        """The same batches; once the client has read any, the transfer is recorded when the reader ends
        (a reader opened only for its schema is not a transfer)."""
        import pyarrow as pa

        def flow() -> Iterator[pa.RecordBatch | None]:
            measure = Measure(links={"direction": "out", **links}, rows=0, bytes=0, config=dict(config or {}))
            started, t0, read = self._clock(), time.perf_counter(), False
            error: BaseException | None = None
            try:
                yield None  # primed below: from here on, dropping the generator runs `finally`
                for batch in reader:
                    read = True
                    measure.rows = (measure.rows or 0) + batch.num_rows
                    measure.bytes = (measure.bytes or 0) + batch.nbytes
                    yield batch
            except GeneratorExit:
                raise
            except BaseException as exc:
                error = exc
                raise
            finally:
                reader.close()
                if read or error is not None:
                    measure.add("stream", time.perf_counter() - t0)
                    ended = started + timedelta(seconds=time.perf_counter() - t0)
                    self.record(self.execution("transfer", subject, started, ended, measure, error=error))

        batches = flow()
        next(batches)
        return pa.RecordBatchReader.from_batches(reader.schema, batches)

    # -- sampled queries ------------------------------------------------------------------------------------
    def wants_query(self) -> bool:
        return self.query_rate > 0 and self._chance() < self.query_rate

    def query(
        self,
        sql: str,
        started: datetime,
        seconds: float,
        *,
        rows: int | None = None,
        error: BaseException | None = None,
    ) -> None:
        """Record one sampled query under its fingerprint (the normalized text is kept in its config)."""
        measure = Measure(rows=rows, config={"sql": normalized_sql(sql)[:500], "sample_rate": self.query_rate})
        measure.add("execute", seconds)
        ended = started + timedelta(seconds=seconds)
        self.record(self.execution("query", query_fingerprint(sql), started, ended, measure, error=error))


@contextmanager
def timed_query(recorder: Recorder | None, sql: str) -> Iterator[dict[str, Any]]:
    """Around one query: records it when the recorder samples it (`out["rows"]` may be set by the block)."""
    if recorder is None or not recorder.wants_query():
        yield {}
        return
    out: dict[str, Any] = {}
    started, t0 = recorder._clock(), time.perf_counter()
    error: BaseException | None = None
    try:
        yield out
    except BaseException as exc:
        error = exc
        raise
    finally:
        recorder.query(sql, started, time.perf_counter() - t0, rows=out.get("rows"), error=error)


def result_rows(result: Any) -> int | None:
    """Rows of a query result (Arrow, Polars or pandas), None for anything else."""
    rows = getattr(result, "num_rows", None) if result is not None else None
    if rows is None and result is not None and hasattr(result, "shape"):
        rows = result.shape[0]
    return int(rows) if isinstance(rows, int) else None
