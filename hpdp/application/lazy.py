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
        self._lock = threading.Lock()

    @classmethod
    def of(cls, value: T) -> Lazy[T]:
        lazy = cls(lambda: value)
        lazy.get()
        return lazy

    def get(self) -> T:
        with self._lock:
            if not self._built:
                self._value = self._factory()
                self._built = True
            return self._value  # type: ignore[return-value]

    @property
    def built(self) -> bool:
        return self._built

    def peek(self) -> T | None:
        """The value if built, else None (never builds)."""
        return self._value if self._built else None

    def warm(self) -> None:
        """Build in a background thread (for example while a kernel starts)."""
        threading.Thread(target=self.get, name="hpdp-warm", daemon=True).start()
