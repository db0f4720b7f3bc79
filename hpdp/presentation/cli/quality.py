"""`hpdp anomalies TABLE` and `hpdp clean TABLE`: unusual rows, and what cleaning would change."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from hpdp.presentation.cli.context import container

if TYPE_CHECKING:
    from hpdp.domain.anomalies import AnomalyReport
    from hpdp.domain.cleaning import CleaningReport


def anomalies(
    table: Annotated[str, typer.Argument(help="Table to examine.")],
    columns: Annotated[
        list[str] | None, typer.Option("--columns", "-c", help="Numeric column to examine (repeat; default all).")
    ] = None,
    limit: Annotated[int, typer.Option(help="Anomalous rows shown at most, most unusual first.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Rows whose numeric values are unusual, with their scores (detector: HPDP_ANOMALY_DETECTOR)."""
    with container() as c:
        report = c.anomalies().table(table, _split(columns), limit=limit)
    if as_json:
        print(json.dumps(report.as_dict(), default=str, indent=2))
        return
    _show_anomalies(report)


def _split(values: list[str] | None) -> list[str] | None:
    """`-c a -c b` and `-c a,b` alike."""
    if not values:
        return None
    return [part.strip() for v in values for part in v.split(",") if part.strip()]


def _show_anomalies(report: AnomalyReport) -> None:
    from hpdp.presentation.cli import render

    sampled = f", a sample of {report.rows_examined:,} of {report.rows_in_table:,}" if report.sampled else ""
    shown_part = f" ({len(report.anomalies)} shown)" if len(report.anomalies) < report.found else ""
    print(
        f"{report.found} unusual rows{shown_part} in {report.table} ({report.detector} detector over "
        f"{', '.join(report.columns)}; {report.rows_examined:,} rows examined{sampled}; "
        f"threshold {report.threshold:.2f})."
    )
    if not report.anomalies:
        return
    shown = list(report.anomalies[0].values)
    rows = [[a.position, f"{a.score:.2f}", *(a.values.get(c) for c in shown)] for a in report.anomalies]
    render.show_rows(["row", "score", *shown], rows)


def clean(
    table: Annotated[str, typer.Argument(help="Table to examine.")],
    apply: Annotated[bool, typer.Option("--apply", help="Write the cleaned table as a new snapshot.")] = False,
    key: Annotated[list[str] | None, typer.Option(help="Key column to check for duplicates (repeat).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Report what cleaning would change: text that parses as numbers or dates, missing-value markers,
    categories spelled several ways, duplicate keys, constant columns. `--apply` writes a new snapshot."""
    with container() as c:
        service = c.cleaning()
        report = service.apply(table, _split(key)) if apply else service.report(table, _split(key))
    if as_json:
        print(json.dumps(report.as_dict(), default=str, indent=2))
        return
    _show_cleaning(report, apply)


def _show_cleaning(report: CleaningReport, apply: bool) -> None:
    if not report.suggestions:
        print(f"{report.table} ({report.rows:,} rows) looks clean: nothing to suggest.")
        return
    print(f"{report.table} ({report.rows:,} rows): {len(report.suggestions)} suggestions.")
    for s in report.suggestions:
        mark = "*" if s.applied else "-"
        print(f"  {mark} {s.message}")
    if report.snapshot_after is not None:
        print(
            f"Applied the changes marked * as snapshot {report.snapshot_after}; the original stays readable with "
            f'`hpdp sql "SELECT * FROM {report.table}" --as-of {report.snapshot_before}`.'
        )
    elif apply:
        print("Nothing to apply: the suggestions left are for you to decide.")
    elif report.changes:
        print("Changes marked * are made by `hpdp clean --apply` (as a new snapshot); the others are for you.")


def register(app: typer.Typer) -> None:
    app.command()(anomalies)
    app.command()(clean)
