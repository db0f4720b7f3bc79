"""A named registry per port: built-in adapters plus those found in an entry-point group."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Mapping
from importlib import import_module
from importlib.metadata import EntryPoint
from typing import Any

from hpdp.domain.errors import ConfigError, UnknownAdapterError


def entry_points(group: str) -> list[EntryPoint]:
    """The entry points of one group, as importlib.metadata finds them (the first distribution of a name on
    sys.path wins), but reading only each distribution's entry_points.txt: importlib parses every installed
    distribution's metadata on each call, some 25 ms per registry in a large environment."""
    header, seen, found = f"[{group}]", set(), []
    for folder in sys.path:
        try:
            names = sorted(os.listdir(folder or "."))
        except OSError:  # a zip file or a path hook
            continue
        for name in names:
            stem, ext = os.path.splitext(name)
            if ext not in (".dist-info", ".egg-info"):
                continue
            dist = re.sub(r"[-_.]+", "_", stem.partition("-")[0]).lower()
            if dist in seen:
                continue
            seen.add(dist)
            try:
                with open(os.path.join(folder or ".", name, "entry_points.txt"), encoding="utf-8") as file:
                    text = file.read()
            except OSError:
                continue
            if header in text:
                found.extend(_section(text, group))
    return found


def _section(text: str, group: str) -> list[EntryPoint]:
    section, out = None, []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
        elif section == group and "=" in line:
            name, _, value = line.partition("=")
            out.append(EntryPoint(name.strip(), value.strip(), group))
    return out


def _load(target: str) -> Any:
    module, _, attr = target.partition(":")
    obj: Any = import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


class Registry:
    """Maps names to adapter factories; resolves lazily, so nothing heavy imports until used."""

    def __init__(self, group: str, builtins: Mapping[str, str], setting: str) -> None:
        self.group = group
        self.setting = setting
        self._targets: dict[str, str] = dict(builtins)
        self._factories: dict[str, Callable[..., Any]] = {}
        self._scanned = False

    def register(self, name: str, factory: Callable[..., Any]) -> None:
        if name in self.names():
            raise ConfigError(f"Two adapters claim the name {name!r} in {self.group}; uninstall one of them.")
        self._factories[name] = factory

    def _scan(self) -> None:
        if self._scanned:
            return
        self._scanned = True
        for ep in entry_points(group=self.group):
            known = self._targets.get(ep.name)
            if known is not None and known != ep.value:
                raise ConfigError(
                    f"Two adapters claim the name {ep.name!r} in {self.group} ({known} and {ep.value}); "
                    "uninstall one of them."
                )
            self._targets[ep.name] = ep.value

    def names(self) -> list[str]:
        self._scan()
        return sorted({*self._targets, *self._factories})

    def check(self, name: str) -> str:
        if name not in self.names():
            raise UnknownAdapterError(
                f"{self.setting}={name!r} is not a known engine; accepted values: {', '.join(self.names())}."
            )
        return name

    def get(self, name: str) -> Callable[..., Any]:
        self.check(name)
        if name not in self._factories:
            self._factories[name] = _load(self._targets[name])
        return self._factories[name]
