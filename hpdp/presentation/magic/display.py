"""What a SQL cell shows: the first rows as an HTML table (with a plain-text twin), never the whole result."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

_CELL_CHARS = 80


@dataclass(frozen=True)
class Preview:
    columns: list[str]
    types: list[str]
    rows: list[tuple[Any, ...]]
    total: int | None  # None for a lazy relation (counting it would run the query)


def preview(result: Any, limit: int) -> Preview:
    """The first `limit` rows of a Polars/Pandas frame, an Arrow table or a DuckDB relation."""
    package = type(result).__module__.partition(".")[0]
    if package == "polars":
        head = result.head(limit)
        return Preview(list(result.columns), [str(t) for t in result.dtypes], head.rows(), result.height)
    if package == "pandas":
        head = result.head(limit)
        rows = list(head.itertuples(index=False, name=None))
        return Preview([str(c) for c in result.columns], [str(t) for t in result.dtypes], rows, len(result))
    if package == "pyarrow":
        head = result.slice(0, limit)
        rows = list(zip(*(c.to_pylist() for c in head.columns), strict=True))
        return Preview(list(result.column_names), [str(f.type) for f in result.schema], rows, result.num_rows)
    # a lazy DuckDB relation: only the displayed rows are computed
    return Preview(list(result.columns), [str(t) for t in result.types], result.limit(limit).fetchall(), None)


def table_html(p: Preview, sorted_by: str | None = None, descending: bool = False) -> str:
    """The rows as an HTML table, headed by column names and types (an arrow marks the sorted column)."""
    arrows = {sorted_by: " ▼" if descending else " ▲"} if sorted_by else {}
    head = "".join(
        f'<th title="{escape(t)}">{escape(c)}{arrows.get(c, "")}<br><small class="hpdp-type">{escape(t)}</small></th>'
        for c, t in zip(p.columns, p.types, strict=True)
    )
    body = "".join(
        "<tr>" + "".join(f"<td>{'<i>NULL</i>' if v is None else escape(_text(v))}</td>" for v in row) + "</tr>"
        for row in p.rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _text(value: Any) -> str:
    if value is None:
        return "NULL"
    text = str(value)
    return text if len(text) <= _CELL_CHARS else text[: _CELL_CHARS - 1] + "…"


def seconds(elapsed: float) -> str:
    return f"{elapsed * 1000:.1f} ms" if elapsed < 1 else f"{elapsed:.2f} s"


class ResultView:
    """A SQL cell's result as shown in a notebook (`_repr_html_`) or a console (`__repr__`)."""

    def __init__(
        self, result: Any, *, limit: int, elapsed: float, kind: str = "SELECT", shown: Preview | None = None
    ) -> None:
        self.result = result
        self.limit = limit
        self.elapsed = elapsed
        self.kind = kind
        self.preview = shown if shown is not None else None if result is None else preview(result, limit)

    def caption(self) -> str:
        p = self.preview
        if p is None:
            return f"{self.kind} done in {seconds(self.elapsed)}"
        rows = "lazy relation" if p.total is None else f"{p.total:,} row{'s' * (p.total != 1)}"
        shown = f", first {len(p.rows):,} shown" if p.total is None or p.total > len(p.rows) else ""
        columns = f"{len(p.columns)} column{'s' * (len(p.columns) != 1)}"
        return f"{rows} × {columns}{shown} · {seconds(self.elapsed)}"

    def _repr_html_(self) -> str:
        p = self.preview
        if p is None:
            return f'<div class="hpdp-sql-result">{escape(self.caption())}</div>'
        return f'<div class="hpdp-sql-result">{table_html(p)}<small>{escape(self.caption())}</small></div>'

    def __repr__(self) -> str:
        p = self.preview
        if p is None:
            return self.caption()
        cells = [[*p.columns], [*p.types], *([_text(v) for v in row] for row in p.rows)]
        widths = [max(len(r[i]) for r in cells) for i in range(len(p.columns))]
        lines = [" | ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in cells]
        lines.insert(2, "-+-".join("-" * w for w in widths))
        return "\n".join([*lines, self.caption()])


class TextView:
    """Preformatted text (a query plan) for notebooks and consoles."""

    def __init__(self, text: str, title: str = "") -> None:
        self.text = text
        self.title = title

    def _repr_html_(self) -> str:
        title = f"<b>{escape(self.title)}</b>" if self.title else ""
        return f'<div class="hpdp-sql-text">{title}<pre>{escape(self.text)}</pre></div>'

    def __repr__(self) -> str:
        return f"{self.title}\n{self.text}" if self.title else self.text


def profile_text(steps: list[Any], total: float) -> str:
    """One line per statement: kind, rows, time; then the cell's total."""
    lines = []
    for i, s in enumerate(steps, 1):
        rows = "-" if s.rows is None else f"{s.rows:,}"
        lines.append(f"{i}. {s.kind:<8} {rows:>12} rows {seconds(s.seconds):>10}  {s.sql}")
    return "\n".join([*lines, f"total {seconds(total)}"])
