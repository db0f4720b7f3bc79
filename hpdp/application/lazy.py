"""A part built once, on first use, under its own lock."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Lazy(Generic[T]):
    """`get()` builds the value on first call (one caller builds; others wait); `built` tells whether it was."""

    def __init__(self, factory: Callable[[], T]) -> None:
        self._factory = factory
        self._value: T | None = None
        self._built = False
        self._error: BaseException | None = None  # what a background build raised, for the next get()
        self._lock = threading.Lock()

    @classmethod
    def of(cls, value: T) -> Lazy[T]:
        lazy = cls(lambda: value)
        lazy.get()
        return lazy

    def get(self) -> T:
        with self._lock:
            if self._error is not None:
                error, self._error = self._error, None
                raise error
            if not self._built:
                self._value = self._factory()
                self._built = True
            return self._value  # type: ignore[return-value]

    def settle(self) -> None:
        """Wait until a build in progress (a background one included) has ended."""
        with self._lock:
            pass

    @property
    def built(self) -> bool:
        return self._built

    def peek(self) -> T | None:
        """The value if built, else None (never builds)."""
        return self._value if self._built else None

    def warm(self) -> None:
        """Build in a background thread (for example while a kernel starts); a failure is raised by the next
        `get()`, in the caller's thread, and a later `get()` tries again."""
        threading.Thread(target=self._build_quietly, name="hpdp-warm", daemon=True).start()

    def _build_quietly(self) -> None:
        with self._lock:
            if self._built or self._error is not None:
                return
            try:
                self._value = self._factory()
                self._built = True
            except BaseException as exc:
                self._error = exc
