from pathlib import Path

import pytest

from hpdp.domain.errors import ConfigError
from hpdp.infrastructure.settings import load_settings


def test_defaults_are_the_embedded_ones():
    s = load_settings()
    assert (s.home, s.db_engine, s.processor_engine, s.output_format) == (Path(".hpdp"), "ducklake", "polars", "polars")


def test_values_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("HPDP_DB_ENGINE", "SQLite")
    monkeypatch.setenv("HPDP_HOME", "/tmp/somewhere")
    s = load_settings()
    assert s.db_engine == "sqlite" and s.home == Path("/tmp/somewhere")


def test_values_come_from_a_dotenv_file(tmp_path):
    (tmp_path / ".env").write_text("HPDP_PROCESSOR_ENGINE=pandas\n")
    assert load_settings().processor_engine == "pandas"


def test_a_bad_value_names_the_variable_the_value_and_the_choices(monkeypatch):
    monkeypatch.setenv("HPDP_OUTPUT_FORMAT", "excel")
    with pytest.raises(
        ConfigError, match=r"HPDP_OUTPUT_FORMAT='excel' is not valid: accepted values: polars, pandas, arrow"
    ):
        load_settings()


def test_secrets_are_masked_in_the_printed_settings():
    shown = load_settings(db_url="postgresql://me:s3cret@db:5432/lake").masked()
    assert shown["HPDP_DB_URL"] == "postgresql://me:***@db:5432/lake"
    assert "s3cret" not in str(shown)
