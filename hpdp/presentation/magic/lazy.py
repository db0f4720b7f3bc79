"""A big `%%sql` result left in the engine: `_` reads it into Python only when asked."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hpdp.application.cells import CellService, KeptResult


class LazyResult:
    """The result of the cell above, not read yet. `_.collect()` reads it (as the cell's result type); so does
    any attribute or item of the frame (`_.height`, `_["col"]`), once, and later calls use that frame."""

    def __init__(self, cells: CellService, kept: KeptResult, format: str) -> None:
        self._cells = cells
        self._kept = kept
        self._format = format
        self._value: Any = None

    def collect(self) -> Any:
        """The whole result as a frame (the query runs again; it shows the data as it is now)."""
        if self._value is None:
            self._value = self._cells.fetch(self._kept.id, self._format)
        return self._value

    @property
    def columns(self) -> list[str]:
        return list(self._kept.first.columns)

    def __len__(self) -> int:
        return self._kept.total if self._value is None else len(self._value)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # display hooks and other probes do not read the result
            raise AttributeError(name)
        return getattr(self.collect(), name)

    def __getitem__(self, key: Any) -> Any:
        return self.collect()[key]

    def __iter__(self) -> Any:
        return iter(self.collect())

    def __dir__(self) -> list[str]:
        frame = () if self._value is None else dir(self._value)
        return sorted({*object.__dir__(self), *frame})

    def __repr__(self) -> str:
        first = self._kept.first
        state = "read" if self._value is not None else "not read yet; _.collect() reads it"
        return f"<{self._format} result: {first.total:,} rows × {len(first.columns)} columns, {state}>"
