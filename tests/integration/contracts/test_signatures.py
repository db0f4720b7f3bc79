"""Every registered adapter keeps the signatures of its port."""

from __future__ import annotations

import inspect

import pytest

from hpdp.application.ports import AbstractProcessor
from hpdp.application.store_ports import AbstractStore, SupportsSnapshots
from hpdp.infrastructure.registries import Registries

REGISTRIES = Registries()
ADAPTERS = [("stores", n, AbstractStore) for n in REGISTRIES.stores.names()] + [
    ("processors", n, AbstractProcessor) for n in REGISTRIES.processors.names()
]


def public_methods(cls: type) -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(member)
        for name, member in inspect.getmembers(cls, inspect.isfunction)
        if not name.startswith("_") or name in ("__enter__", "__exit__")
    }


@pytest.mark.parametrize(("kind", "name", "port"), ADAPTERS, ids=[f"{k}-{n}" for k, n, _ in ADAPTERS])
def test_adapter_signatures_match_the_port(kind, name, port):
    adapter = getattr(REGISTRIES, kind).get(name)
    assert issubclass(adapter, port)
    assert not inspect.isabstract(adapter), f"{adapter.__name__} leaves abstract methods"
    expected = public_methods(port)
    if issubclass(adapter, SupportsSnapshots):
        expected |= public_methods(SupportsSnapshots)
    actual = public_methods(adapter)
    for method, signature in expected.items():
        assert actual[method] == signature, f"{adapter.__name__}.{method}{actual[method]} differs from the port"
