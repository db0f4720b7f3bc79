from dataclasses import dataclass

import pytest

from hpdp.application import registry as registry_module
from hpdp.application.registry import Registry
from hpdp.domain.errors import ConfigError, UnknownAdapterError


@dataclass
class FakeEntryPoint:
    name: str
    value: str


def make(monkeypatch, *points):
    monkeypatch.setattr(registry_module, "entry_points", lambda group: [p for p in points if group == "hpdp.things"])
    return Registry("hpdp.things", {"builtin": "collections:OrderedDict"}, "HPDP_THING")


def test_an_unknown_name_lists_the_accepted_values(monkeypatch):
    reg = make(monkeypatch)
    with pytest.raises(
        UnknownAdapterError, match=r"HPDP_THING='nope' is not a known engine; accepted values: builtin\."
    ):
        reg.get("nope")


def test_plugins_are_found_through_entry_points(monkeypatch):
    reg = make(monkeypatch, FakeEntryPoint("plugin", "collections:Counter"))
    from collections import Counter

    assert reg.names() == ["builtin", "plugin"]
    assert reg.get("plugin") is Counter


def test_two_packages_claiming_one_name_is_an_error(monkeypatch):
    reg = make(monkeypatch, FakeEntryPoint("builtin", "collections:Counter"))
    with pytest.raises(ConfigError, match="Two adapters claim the name 'builtin'"):
        reg.names()


def test_the_package_declaring_its_own_builtins_is_not_a_duplicate(monkeypatch):
    reg = make(monkeypatch, FakeEntryPoint("builtin", "collections:OrderedDict"))
    assert reg.names() == ["builtin"]


def test_factories_can_be_registered_in_code(monkeypatch):
    reg = make(monkeypatch)
    reg.register("inline", dict)
    assert reg.get("inline") is dict
    with pytest.raises(ConfigError):
        reg.register("inline", list)


def test_the_installed_package_declares_every_builtin_adapter():
    from importlib.metadata import entry_points

    from hpdp.infrastructure.registries import PROCESSORS, STORES

    declared = {ep.name: ep.value for ep in entry_points(group="hpdp.stores")}
    assert declared == STORES
    assert {ep.name: ep.value for ep in entry_points(group="hpdp.processors")} == PROCESSORS
