"""`hpdp ingest`, `hpdp sources` and `hpdp loads`: API ingestion from the sources catalog."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from hpdp.presentation.cli.context import workbench

if TYPE_CHECKING:
    from hpdp.application.ingestion import SourceOutcome
    from hpdp.domain.sources import LoadRecord


@contextmanager
def progress_bar(name: str) -> Iterator[Callable[[int, int], None] | None]:
    """Rows, pages and rows/s on a terminal; nothing in non-interactive runs."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn("{task.fields[info]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(name, info="connecting")

        def update(rows: int, pages: int) -> None:
            elapsed = bar.tasks[0].elapsed or 0.0
            rate = f"{rows / elapsed:,.0f} rows/s" if elapsed > 0 else ""
            bar.update(task, info=f"{rows:,} rows  {pages:,} pages  {rate}")

        yield update


def describe(record: LoadRecord) -> str:
    snap = f", snapshot {record.snapshot}" if record.snapshot is not None else ""
    return (
        f"{record.source}: {record.rows:,} rows in {record.pages:,} pages to {record.table} "
        f"({record.mode}) in {record.seconds:.2f} s, {record.rows_per_second:,.0f} rows/s{snap}."
    )


def ingest(
    name: Annotated[str | None, typer.Argument(help="Source name from the sources catalog.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Load every source of the catalog.")] = False,
    full_refresh: Annotated[
        bool, typer.Option("--full-refresh", help="Ignore the cursor and replace the table.")
    ] = False,
) -> None:
    """Load a source (or --all) from the sources catalog into its table, in one atomic commit."""
    from hpdp.domain.errors import InvalidInputError, TaskFailedError

    if (name is None) == (not all_):
        raise InvalidInputError("Name one source or pass --all; `hpdp sources` lists the sources.")
    with workbench() as hp:
        if not all_:
            assert name is not None
            with progress_bar(name) as progress:
                record = hp.ingest(name, full_refresh=full_refresh, progress=progress)
            print(describe(record))
            return
        summary = hp.ingestion.ingest_all(full_refresh=full_refresh, progress=progress_bar, on_outcome=_show)
    if not summary.ok:
        failed = summary.failed
        count = len(summary.outcomes)
        raise TaskFailedError(f"{len(failed)} of {count} sources failed ({', '.join(failed)}); see `hpdp loads`.")


def _show(outcome: SourceOutcome) -> None:
    if outcome.record is not None:
        print(describe(outcome.record))
    else:  # the other sources still load
        print(f"Error: {outcome.source}: {outcome.error}", file=sys.stderr)


def sources() -> None:
    """List the sources of the catalog with their last load."""
    from hpdp.presentation.cli import render

    with workbench() as hp:
        specs = hp.ingestion.specs()
        last = hp.ingestion.last_loads()
    if not specs:
        print("No sources yet; declare them in sources.yaml in the workspace (see HPDP_SOURCES_FILE).")
        return
    rows = []
    for name, spec in sorted(specs.items()):
        load = last.get(name)
        when = load.finished.strftime("%Y-%m-%d %H:%M:%S") if load else "never"
        status = f"{load.status.value}, {load.rows:,} rows" if load else ""
        cursor = spec.incremental.field if spec.incremental else ""
        rows.append([name, spec.kind, spec.table, spec.mode.value, cursor, when, status])
    render.show_rows(["source", "kind", "table", "mode", "cursor", "last load", "result"], rows)


def loads(
    name: Annotated[str | None, typer.Argument(help="Only the loads of this source.")] = None,
    limit: Annotated[int, typer.Option(help="Most recent loads shown.")] = 20,
) -> None:
    """Load history: when, rows, pages, duration, status and snapshot."""
    from hpdp.presentation.cli import render

    with workbench() as hp:
        records = hp.ingestion.loads(name, limit=limit)
    if not records:
        print("No loads yet; run `hpdp ingest NAME`.")
        return
    render.show_rows(
        ["started", "source", "table", "rows", "pages", "seconds", "status", "snapshot", "error"],
        [
            [
                r.started.strftime("%Y-%m-%d %H:%M:%S"),
                r.source,
                r.table,
                f"{r.rows:,}",
                r.pages,
                f"{r.seconds:.2f}",
                r.status.value,
                r.snapshot,
                r.error,
            ]
            for r in records
        ],
    )


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest)
    app.command("sources")(sources)
    app.command("loads")(loads)
