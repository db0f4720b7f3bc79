import pytest

from hpdp.domain.errors import UnavailableError, UnknownAdapterError
from hpdp.infrastructure.bootstrap import bootstrap
from hpdp.infrastructure.parts import build_store
from hpdp.infrastructure.registries import Registries
from hpdp.infrastructure.settings import load_settings
from tests.unit.fakes import FakeProcessor, FakeStore


def test_bootstrap_takes_fakes_for_every_port():
    store, processor = FakeStore(), FakeProcessor()
    hp = bootstrap(load_settings(), store=store, processor=processor)
    assert hp.store is store and hp.processor is processor


def test_an_unknown_store_engine_lists_the_available_ones():
    accepted = "accepted values: duckdb, ducklake, memory, postgres, sqlite"
    with pytest.raises(
        UnknownAdapterError,
        match=f"HPDP_DB_ENGINE='oracle' is not a known engine; {accepted}",
    ):
        bootstrap(load_settings(db_engine="oracle"), processor=FakeProcessor())


def test_an_unknown_processor_engine_lists_the_available_ones():
    with pytest.raises(UnknownAdapterError, match=r"HPDP_PROCESSOR_ENGINE='spark'.*pandas, polars"):
        bootstrap(load_settings(processor_engine="spark"), store=FakeStore())


def test_a_home_that_cannot_be_created_is_one_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(UnavailableError, match=r"HPDP_HOME=.* is not writable .*point HPDP_HOME at a folder"):
        build_store(load_settings(home=blocker / "ws", db_engine="memory"), Registries())
