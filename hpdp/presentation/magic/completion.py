"""Tab completion in `%sql` lines and `%%sql` cells, through IPython's completer (so in every front end).

A context matcher finds the SQL around the cursor, asks the cell service for the names the store knows (tables,
views, saved views, the notebook's frames, their columns) and lets `suggest` pick the candidates. On the magic's
own line it offers the options; after `$` the notebook's variables. The names are fetched once per executed
cell (IPython's execution count), so typing stays fast. Inside SQL no Python completions are mixed in.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from IPython.core.completer import CompletionContext, SimpleCompletion, SimpleMatcherResult, context_matcher
from IPython.core.error import UsageError

from hpdp.application.sql_completion import SqlNames, suggest
from hpdp.domain.errors import HpdpError

_CELL_MAGIC = re.compile(r"\s*%%sql(?=\s|$)")
_LINE_MAGIC = re.compile(r"^(?:[^#'\"%]*?[=\s(])?%sql(?=\s|$)")
_OPTION_NAME = re.compile(r"-{1,2}[A-Za-z][\w-]*")


class SqlCompleter:
    """Completions for the SQL of the magic; `names(namespace)` comes from the cell service."""

    def __init__(
        self,
        shell: Any,
        names: Callable[[Mapping[str, Any]], SqlNames],
        options: list[str],
        split: Callable[[str], tuple[str, str]],
    ) -> None:
        self.shell = shell
        self._names = names
        self._options = sorted(options)
        self._split = split  # the magic's option parser: (options, SQL)
        self._cached: tuple[int, SqlNames] | None = None

    def names(self) -> SqlNames:
        count = self.shell.execution_count
        if self._cached is None or self._cached[0] != count:
            try:
                names = self._names(self.shell.user_ns)
            except HpdpError:  # the store cannot be opened now: nothing to offer, the cell will say why
                names = SqlNames()
            self._cached = (count, names)
        return self._cached[1]

    def complete(self, context: CompletionContext) -> SimpleMatcherResult:
        lines = context.full_text.split("\n")
        line, token = context.text_until_cursor, context.token
        first = next((i for i, text in enumerate(lines) if text.strip()), 0)
        if _CELL_MAGIC.match(lines[first]) and context.cursor_line >= first:
            if context.cursor_line == first:
                return self._options_for(token, line.lstrip()[len("%%sql") :])
            body = "\n".join([*lines[first + 1 : context.cursor_line], line])
            rest = "\n".join([body, lines[context.cursor_line][len(line) :], *lines[context.cursor_line + 1 :]])
            return self._sql(rest, len(body), token, line)
        magic = _LINE_MAGIC.search(line)
        if magic is None:
            return _nothing()
        args = line[magic.end() :]
        try:
            _, sql = self._split(args)
        except UsageError:  # an option still missing its value: nothing to offer yet
            return _nothing()
        if token.startswith("-") and sql.strip() in ("", token):
            return self._options_for(token, args)
        whole = sql + lines[context.cursor_line][len(line) :]
        return self._sql(whole, len(sql), token, line)

    def _options_for(self, token: str, typed: str) -> SimpleMatcherResult:
        if not token.startswith("-"):
            return _nothing()
        given = set(_OPTION_NAME.findall(typed[: len(typed) - len(token)]))
        found = [o for o in self._options if o.startswith(token) and o not in given]
        return _result([SimpleCompletion(o, type="option") for o in found])

    def _sql(self, sql: str, cursor: int, token: str, line: str) -> SimpleMatcherResult:
        if line[: len(line) - len(token)].endswith("$"):  # $name binds a Python variable
            found = sorted(
                n for n in self.shell.user_ns if n.startswith(token) and not n.startswith("_") and n != token
            )
            return _result([SimpleCompletion(n, type="variable") for n in found])
        found = suggest(sql, cursor, token, self.names())
        return _result([SimpleCompletion(s.text, type=s.kind) for s in found])


def _result(completions: list[SimpleCompletion]) -> SimpleMatcherResult:
    return {"completions": completions, "suppress": True, "ordered": True}


def _nothing() -> SimpleMatcherResult:
    return {"completions": [], "suppress": False}


def register(shell: Any, completer: SqlCompleter) -> None:
    """Add the matcher to the shell's completer, ahead of the Python ones."""

    @context_matcher(priority=10, identifier="hpdp.sql")
    def sql_matcher(context: CompletionContext) -> SimpleMatcherResult:
        return completer.complete(context)

    matchers = shell.Completer.custom_matchers
    matchers[:] = [m for m in matchers if getattr(m, "matcher_identifier", None) != "hpdp.sql"]
    matchers.append(sql_matcher)
