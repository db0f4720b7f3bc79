import re
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


def test_the_lake_data_path_may_be_an_s3_url_and_is_normalised():
    s = load_settings(lake_data_path="s3://my-lake/some/prefix")
    assert s.lake_data_path == "s3://my-lake/some/prefix/" and s.lake_on_object_storage()
    assert s.resolved_lake_data_path() is None


def test_a_local_lake_data_path_stays_a_folder(tmp_path):
    s = load_settings(lake_data_path=str(tmp_path / "data"))
    assert not s.lake_on_object_storage() and s.resolved_lake_data_path() == tmp_path / "data"


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("HPDP_LAKE_DATA_PATH", "gs://bucket/x", "use a folder or s3://bucket/prefix"),
        ("HPDP_LAKE_DATA_PATH", "s3://B!/x", "use a folder or s3://bucket/prefix"),
        ("HPDP_S3_ENDPOINT", "ftp://host:21", "use host:port or http(s)://host:port"),
        ("HPDP_S3_ENDPOINT", "host:port", "use host:port or http(s)://host:port"),
        ("HPDP_S3_URL_STYLE", "sideways", "accepted values: path, vhost"),
        ("HPDP_S3_USE_SSL", "maybe", "valid boolean"),
    ],
)
def test_a_bad_object_storage_setting_is_one_sentence_naming_it(monkeypatch, name, value, expected):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=rf"^{name}=.* is not valid: .*{re.escape(expected)}") as caught:
        load_settings()
    assert "\n" not in str(caught.value)


def test_the_endpoint_url_gives_the_tls_default_and_path_style():
    s = load_settings(s3_endpoint="http://127.0.0.1:9000")
    assert s.resolved_s3_endpoint() == ("127.0.0.1:9000", False) and s.resolved_s3_url_style() == "path"
    assert load_settings(s3_endpoint="127.0.0.1:9000", s3_use_ssl="false").resolved_s3_endpoint()[1] is False
    assert load_settings().resolved_s3_endpoint() == (None, True) and load_settings().resolved_s3_url_style() == "vhost"


def test_the_s3_secret_is_never_shown(monkeypatch):
    monkeypatch.setenv("HPDP_S3_SECRET", "abc:def/very-secret")
    s = load_settings(s3_key_id="AKIDEXAMPLE", s3_url_style="path")
    shown = s.masked()
    assert shown["HPDP_S3_SECRET"] == "***" and "very-secret" not in str(shown) + repr(s)
    assert shown["HPDP_S3_KEY_ID"] == "AKIDEXAMPLE" and shown["HPDP_S3_URL_STYLE"] == "path"
