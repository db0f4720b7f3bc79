"""`%sql` and `%%sql`: SQL on the hpdp store, with DuckDB as the engine."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, line_magic, magics_class, no_var_expand
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from IPython.display import display
from traitlets import Bool, CaselessStrEnum, Float, Int, TraitError, validate

from hpdp.domain.errors import HpdpError
from hpdp.presentation.magic.commands import COMMANDS, chosen

if TYPE_CHECKING:
    from hpdp.application.cells import CellService
    from hpdp.application.workbench import Workbench

_FLAGS = {"--polars", "--pandas", "--arrow", "--relation", "--explain", "--profile", "--tables", "--write"}
_VALUED = {"-o", "--out", "--as-of", "--save", "--plot", "--columns", "--describe", "--attach"}
_OPTION = re.compile(r"(-{1,2}[A-Za-z][\w-]*)(=\S+)?(?:\s+|$)")
_VALUE = re.compile(r"(\S+)(?:\s+|$)")
_SETTING = re.compile(r"([A-Za-z_]+=\S+)(?:\s+|$)")  # a plot setting after --plot KIND: x=COL, bins=N
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class SqlCellError(HpdpError):
    """A SQL cell failed; shown as its message alone, without a Python traceback."""


def split_options(line: str) -> tuple[str, str]:
    """Leading `%sql` options, and the SQL after them, kept verbatim (quotes and `$name` untouched).
    The settings after `--plot KIND` (x=COL ...) join its value: `--plot bar,x=carrier`."""
    rest = line.lstrip()
    options: list[str] = []
    while match := _OPTION.match(rest):
        name, inline = match.group(1), match.group(2)
        if name in _FLAGS or (name in _VALUED and inline):
            options.append(name + (inline or ""))
            rest = rest[match.end() :]
        elif name in _VALUED:
            value = _VALUE.match(rest, match.end())
            if value is None:
                raise UsageError(f"The option {name} needs a value.")
            options += [name, value.group(1)]
            rest = rest[value.end() :]
        else:
            break
        if name == "--plot":
            words = [options.pop().removeprefix("--plot=")]
            while setting := _SETTING.match(rest):
                words.append(setting.group(1))
                rest = rest[setting.end() :]
            if options and options[-1] == "--plot":
                options.pop()
            options += ["--plot", ",".join(words)]
    return " ".join(options), rest


def snapshot_number(value: str | None, namespace: dict[str, Any]) -> int | None:
    """`--as-of 3`, `--as-of snap` or `--as-of $snap`: a snapshot number, given or held by a variable."""
    if value is None:
        return None
    if value.isdigit():
        return int(value)
    name = value.removeprefix("$")
    held = namespace.get(name)
    if held is not None and not isinstance(held, bool) and hasattr(held, "__index__"):
        return int(held)
    raise UsageError(f"--as-of needs a snapshot number or a variable holding one, not {value!r}.")


@magics_class
class SqlMagic(Magics):
    """Run SQL on the hpdp store. Options are traitlets: `%config SqlMagic.display_rows = 20`."""

    display_rows = Int(10, help="Rows shown under a %%sql cell (the result itself is complete).").tag(config=True)
    explorer = Bool(
        True,
        help="In a kernel, a %%sql result with more rows than display_rows gets an explorer (pages, sorting, "
        "downloads) and `_` reads it only when used; False shows the first rows as a table.",
    ).tag(config=True)
    progress = Bool(True, help="Show a progress bar under a query that runs for progress_after seconds.").tag(
        config=True
    )
    progress_after = Float(1.0, help="Seconds a query runs before its progress bar shows.").tag(config=True)
    output_format = CaselessStrEnum(
        ["polars", "pandas", "arrow", "relation"],
        default_value=None,
        allow_none=True,
        help="Result type of %sql; None follows HPDP_OUTPUT_FORMAT (polars by default).",
    ).tag(config=True)

    def __init__(self, shell: Any, open_workbench: Callable[[], Workbench] | None = None, **kwargs: Any) -> None:
        super().__init__(shell=shell, **kwargs)
        self._open_workbench = open_workbench
        self._workbench: Workbench | None = None
        self._cells: CellService | None = None
        self._frontend_ready = False  # HoloViews' JavaScript is sent once, with the first plot

    @validate("display_rows")
    def _check_rows(self, proposal: Any) -> int:
        if proposal["value"] < 1:
            raise TraitError("SqlMagic.display_rows must be at least 1.")
        return int(proposal["value"])

    @validate("progress_after")
    def _check_after(self, proposal: Any) -> float:
        if proposal["value"] < 0:
            raise TraitError("SqlMagic.progress_after must be 0 or more seconds.")
        return float(proposal["value"])

    @property
    def workbench(self) -> Workbench:
        """The store the cells run on, opened by the composition root on first use."""
        if self._workbench is None:
            if self._open_workbench is None:
                from hpdp.infrastructure.bootstrap import bootstrap

                self._workbench = bootstrap()
            else:
                self._workbench = self._open_workbench()
        return self._workbench

    def cells(self) -> CellService:
        if self._cells is None:
            self._cells = self.workbench.cells
        return self._cells

    def close(self) -> None:
        if self._workbench is not None:
            self._workbench.close()
        self._workbench = self._cells = None

    @no_var_expand
    @magic_arguments()
    @argument("-o", "--out", metavar="NAME", help="Also store the result in this Python variable.")
    @argument("--as-of", metavar="N", help="Query the store as of snapshot N (a number or a variable).")
    @argument("--save", metavar="NAME", help="Keep the cell's last query as a view NAME for later cells.")
    @argument("--polars", dest="format", action="store_const", const="polars", help="Return a Polars DataFrame.")
    @argument("--pandas", dest="format", action="store_const", const="pandas", help="Return a pandas DataFrame.")
    @argument("--arrow", dest="format", action="store_const", const="arrow", help="Return a pyarrow.Table.")
    @argument("--relation", dest="format", action="store_const", const="relation", help="Return a lazy relation.")
    @argument("--explain", action="store_true", help="Show the query plan instead of running the query.")
    @argument("--profile", action="store_true", help="Also show each statement's time and rows.")
    @argument(
        "--plot",
        metavar="KIND",
        help="Plot the query, summarised by the engine: histogram, bar, line, scatter, box or heatmap, then "
        "x=COL y=COL by=COL bins=N agg=count|sum|avg|min|max points=N.",
    )
    @argument("--tables", action="store_true", help="List the tables and views, with their sizes.")
    @argument("--columns", metavar="TABLE", help="List a table's columns and types.")
    @argument("--describe", metavar="TABLE", help="Profile each column of a table, with a small histogram.")
    @argument("--attach", metavar="URL", help="Attach a database: --attach URL AS NAME (postgresql, sqlite, duckdb).")
    @argument("--write", action="store_true", help="With --attach: allow writes (read-only otherwise).")
    @line_cell_magic
    def sql(self, line: str, cell: str | None = None) -> Any:
        """Run SQL on the hpdp store; `$name` binds the Python variable `name`; DataFrames are tables."""
        options, query = split_options(line)
        args = parse_argstring(self.sql, options)
        command = chosen(args)
        if cell is not None and command is None:
            if query.strip():
                raise UsageError(f"Unknown %%sql option {query.split()[0]!r}; see %sql? for the options.")
            query = cell
        elif cell is not None and cell.strip():
            raise UsageError(f"--{command} takes no SQL in the cell; use the line magic %sql --{command}.")
        for name in (args.out, args.save):
            if name is not None and not _NAME.match(name):
                raise UsageError(f"{name!r} is not a valid name; use letters, digits and underscores.")
        try:
            if command is not None:
                format = args.format or self.output_format or self.workbench.output_format.value
                return COMMANDS[command](self, args, query, format)
            if args.plot is not None:
                return self._plot(args, query, show=cell is not None)
            return self._run(args, query, show=cell is not None)
        except HpdpError as exc:
            raise SqlCellError(str(exc), code=exc.code, detail=exc.detail) from None

    def _run(self, args: Any, query: str, *, show: bool) -> Any:
        format = args.format or self.output_format or self.workbench.output_format.value
        ns = self.shell.user_ns
        as_of = snapshot_number(args.as_of, ns)
        explore = show and self._explorer_available()
        bar = self._progress_bar()
        try:
            result = self.cells().run(
                query,
                ns,
                format=format,
                as_of=as_of,
                save=args.save,
                explain=args.explain,
                keep_over=self.display_rows if explore else None,
                lazy=not args.out,
                progress=bar,
                progress_after=self.progress_after,
            )
        finally:
            if bar is not None:
                bar.close()
        from hpdp.presentation.magic.display import ResultView, TextView, profile_text

        if args.explain:
            display(TextView(result.value, "Query plan"))
            return None
        value = result.value
        if args.out:
            ns[args.out] = value
        if show and result.kept is not None:
            value = self._explore(result, format)
        elif show:
            display(ResultView(value, limit=self.display_rows, elapsed=result.elapsed, kind=result.kind))
        if args.profile:
            display(TextView(profile_text(result.steps, result.elapsed), "Profile"))
        if show:
            if value is not None:
                self.shell.displayhook.update_user_ns(value)
            return None
        return value

    # -- big results and long queries (need a live kernel) --------------------------------------------
    def _in_kernel(self) -> bool:
        return getattr(self.shell, "kernel", None) is not None

    def _explorer_available(self) -> bool:
        if not (self.explorer and self._in_kernel()):
            return False
        try:
            import hpdp.presentation.magic.explorer  # noqa: F401 - needs ipywidgets (the jupyter extra)
        except ImportError:
            return False
        return True

    def _progress_bar(self) -> Any:
        if not (self.progress and self._in_kernel()):
            return None
        from hpdp.presentation.magic.progress import ProgressBar

        return ProgressBar()

    def _explore(self, result: Any, format: str) -> Any:
        """Show the explorer of a kept result; the cell's value: the frame if it was read, else a lazy one."""
        from pathlib import Path

        from hpdp.presentation.magic.explorer import Explorer
        from hpdp.presentation.magic.lazy import LazyResult

        cells = self.cells()
        explorer = Explorer(
            cells,
            result.kept,
            page_size=self.display_rows,
            elapsed=result.elapsed,
            folder=Path.cwd(),
        )
        display(explorer)
        return result.value if result.value is not None else LazyResult(cells, result.kept, format)

    def _plot(self, args: Any, query: str, *, show: bool) -> Any:
        from hpdp.presentation.magic.plotting import PlotView, parse_words

        kind, *words = args.plot.split(",")
        spec = parse_words(kind, words)
        as_of = snapshot_number(args.as_of, self.shell.user_ns)
        if args.explain or args.profile:
            raise UsageError("--plot cannot be combined with --explain or --profile.")
        result = self.cells().run(query, self.shell.user_ns, as_of=as_of, save=args.save, plot=spec)
        return self._show_plot(PlotView(result.value, result.elapsed), args.out, show)

    def _show_plot(self, view: Any, out: str | None, show: bool) -> Any:
        if out:
            self.shell.user_ns[out] = view
        if not show:
            return view
        if not self._frontend_ready:
            from hpdp.presentation.magic.plotting import load_frontend

            load_frontend(self.shell)
            self._frontend_ready = True
        display(view)
        return None

    @no_var_expand
    @magic_arguments()
    @argument("kind", help="histogram, bar, line, scatter, box or heatmap")
    @argument("table", help="a table or view (a query kept with --save, an attached database's table)")
    @argument("settings", nargs="*", help="x=COL y=COL by=COL bins=N agg=F points=N")
    @argument("--as-of", metavar="N", help="Plot the table as of snapshot N (a number or a variable).")
    @argument("-o", "--out", metavar="NAME", help="Also store the plot in this Python variable.")
    @line_magic
    def sqlplot(self, line: str) -> Any:
        """Plot a table or view, summarised by the engine: only bins, quantiles or a sample reach Python."""
        from hpdp.presentation.magic.plotting import PlotView, parse_words

        args = parse_argstring(self.sqlplot, line)
        try:
            spec = parse_words(args.kind, args.settings)
            as_of = snapshot_number(args.as_of, self.shell.user_ns)
            result = self.cells().plot_table(args.table, spec, as_of=as_of)
        except HpdpError as exc:
            raise SqlCellError(str(exc), code=exc.code, detail=exc.detail) from None
        return self._show_plot(PlotView(result.value, result.elapsed), args.out, show=True)


def short_error(shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: int | None = None) -> list[str]:
    """Show a failed SQL cell as its message alone; the kernel and the connection stay usable."""
    stb = [f"\x1b[0;31m{value}\x1b[0m"]
    shell._showtraceback(etype, value, stb)
    return stb


def load(ip: Any, open_workbench: Callable[[], Workbench] | None = None) -> SqlMagic:
    magic = SqlMagic(ip, open_workbench)
    ip.register_magics(magic)
    ip.set_custom_exc((SqlCellError,), short_error)
    from hpdp.presentation.magic.completion import SqlCompleter, register

    register(ip, SqlCompleter(ip, lambda ns: magic.cells().names(ns), sorted(_FLAGS | _VALUED), split_options))
    return magic
