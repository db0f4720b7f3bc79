"""`%sql --describe TABLE`: one row per column with its numbers and a small histogram drawn in text."""

from __future__ import annotations

from contextlib import suppress
from html import escape
from typing import Any

_BARS = " ▁▂▃▄▅▆▇█"


def sparkline(counts: list[int]) -> str:
    """Counts as block characters, the tallest bin full height (an empty bin is a space)."""
    top = max(counts, default=0)
    if top == 0:
        return ""
    return "".join(_BARS[0 if n == 0 else max(1, round(n / top * (len(_BARS) - 1)))] for n in counts)


def _short(value: Any, width: int = 24) -> str:
    if value is None:
        return ""
    text = str(value)
    if text.replace(".", "", 1).replace("-", "", 1).replace("e", "", 1).isdigit() and "." in text:
        with suppress(ValueError):
            text = f"{float(text):.6g}"
    return text if len(text) <= width else text[: width - 1] + "…"


class ProfileView:
    """A table's profile (computed by the engine) for notebooks and consoles."""

    HEAD = ("column", "type", "nulls", "distinct", "min", "max", "mean", "median", "shape")

    def __init__(self, profile: Any) -> None:
        self.profile = profile

    def rows(self) -> list[tuple[str, ...]]:
        out = []
        for c in self.profile.columns:
            shape = sparkline(c.histogram) if c.histogram else ", ".join(_short(v, 12) for v in c.top)
            out.append(
                (
                    c.name,
                    c.type,
                    f"{c.nulls:.1f}%",
                    f"~{c.distinct:,}",
                    _short(c.min),
                    _short(c.max),
                    _short(c.mean),
                    _short(c.median),
                    shape,
                )
            )
        return out

    def caption(self) -> str:
        p = self.profile
        return f"{p.table}: {p.rows:,} rows × {len(p.columns)} columns (distinct counts are approximate)"

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{escape(h)}</th>" for h in self.HEAD)
        body = "".join(
            "<tr>"
            + "".join(f"<td>{escape(v)}</td>" for v in row[:-1])
            + f'<td style="font-family:monospace;white-space:pre">{escape(row[-1])}</td></tr>'
            for row in self.rows()
        )
        return (
            f'<div class="hpdp-sql-profile"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
            f"<small>{escape(self.caption())}</small></div>"
        )

    def __repr__(self) -> str:
        cells = [self.HEAD, *self.rows()]
        widths = [max(len(r[i]) for r in cells) for i in range(len(self.HEAD))]
        lines = ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in cells]
        return "\n".join([*lines, self.caption()])
