"""Completing SQL as it is typed: relations, their columns, keywords and functions, for any editor that asks.

`suggest` is given the SQL, the cursor and the word being typed (a `table.` prefix included) and the names
the engine knows (`SqlNames`, from a cell runner). It returns the candidates best first: after `table.` or
`alias.` that relation's columns; after FROM or JOIN the relations; elsewhere the columns of the relations
the query names, then relations, keywords and functions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SOURCE = re.compile(
    r"\b(?:FROM|JOIN)\s+([A-Za-z_][\w.]*)(?:\s+(?:AS\s+)?([A-Za-z_]\w*))?",
    re.IGNORECASE,
)
# After these words a relation name comes next.
_WANTS_RELATION = {"from", "join", "into", "update", "table", "describe", "summarize", "pivot", "unpivot"}


@dataclass(frozen=True)
class Relation:
    kind: str  # "table", "view" or "frame"
    columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class SqlNames:
    """What SQL can name in one session: relations with their columns, and the engine's words."""

    relations: Mapping[str, Relation] = field(default_factory=dict)
    keywords: tuple[str, ...] = ()
    functions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Suggestion:
    text: str  # replaces the word being typed
    kind: str  # "column", "table", "view", "frame", "keyword" or "function"


def suggest(sql: str, cursor: int, word: str, names: SqlNames, limit: int = 200) -> list[Suggestion]:
    """Candidates for `word`, the text just before `cursor` in `sql`, best first."""
    before = sql[:cursor]
    if "." in word:
        qualifier, _, partial = word.rpartition(".")
        relation = _resolve(qualifier, sql, names)
        columns = names.relations[relation].columns if relation else ()
        return [Suggestion(f"{qualifier}.{c}", "column") for c in _starting(columns, partial)][:limit]
    head = before[: len(before) - len(word)] if word and before.endswith(word) else before
    previous = _WORD.findall(head)
    wants_relation = bool(previous) and previous[-1].lower() in _WANTS_RELATION
    out: list[Suggestion] = []
    if not wants_relation:
        used = _used_relations(sql, names)
        seen: set[str] = set()
        for name in used:
            for column in _starting(names.relations[name].columns, word):
                if column not in seen:
                    seen.add(column)
                    out.append(Suggestion(column, "column"))
    out += [Suggestion(n, names.relations[n].kind) for n in _starting(sorted(names.relations), word)]
    if not wants_relation and word:
        upper = not word.islower()
        out += [Suggestion(k.upper() if upper else k.lower(), "keyword") for k in _starting(names.keywords, word)]
        out += [Suggestion(f, "function") for f in _starting(names.functions, word)]
    return out[:limit]


def _starting(candidates: Iterable[str], prefix: str) -> list[str]:
    low = prefix.lower()
    return [c for c in candidates if c.lower().startswith(low) and c.lower() != low]


def _resolve(qualifier: str, sql: str, names: SqlNames) -> str | None:
    """The relation a qualifier stands for: its own name, or an alias given in FROM or JOIN."""
    by_lower = {n.lower(): n for n in names.relations}
    if qualifier.lower() in by_lower:
        return by_lower[qualifier.lower()]
    for source, alias in _SOURCE.findall(sql):
        if alias and alias.lower() == qualifier.lower():
            return by_lower.get(source.rpartition(".")[2].lower())
    return None


def _used_relations(sql: str, names: SqlNames) -> list[str]:
    """Known relations the query names, in order of first mention."""
    by_lower = {n.lower(): n for n in names.relations}
    used = (by_lower.get(w.lower()) for w in _WORD.findall(sql))
    return list(dict.fromkeys(n for n in used if n))
