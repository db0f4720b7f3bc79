"""Rules of ingestion that need no server: lag, cursor start, catalog parsing, schema policy."""

from __future__ import annotations

import pyarrow as pa
import pytest

from hpdp.application.schema import combine, reconcile
from hpdp.domain.errors import ConfigError
from hpdp.domain.sources import CatalogError, Incremental, SchemaDriftError, SchemaPolicy, parse_lag
from hpdp.infrastructure.catalog import load_catalog, parse_source

KINDS = ["rest", "graphql", "memory"]


@pytest.mark.parametrize(
    ("text", "seconds"), [(None, 0), (30, 30), ("45", 45), ("15m", 900), ("2h", 7200), ("1d", 86400)]
)
def test_a_lag_reads_as_seconds(text, seconds):
    assert parse_lag(text) == seconds


def test_a_bad_lag_is_one_sentence():
    with pytest.raises(ConfigError, match=r"lag 'soon' is not a duration"):
        parse_lag("soon")


def test_the_start_moves_back_by_the_lag_in_the_cursor_format():
    inc = Incremental("updated_at", lag=600, initial="2020-01-01T00:00:00Z")
    assert inc.start(None) == "2020-01-01T00:00:00Z"
    assert inc.start("2024-01-01T00:05:00Z") == "2023-12-31T23:55:00Z"
    assert inc.start("2024-01-01T00:05:00+00:00") == "2023-12-31T23:55:00+00:00"
    assert Incremental("id", lag=10).start(105) == 95
    assert Incremental("name").start("abc") == "abc"


def test_a_catalog_entry_becomes_a_spec_with_env_values_masked():
    env = {"TOKEN": "very-secret", "HOST": "api.example"}
    spec = parse_source(
        "orders",
        {
            "kind": "rest",
            "url": "https://${HOST}/orders?key=${TOKEN}",
            "mode": "merge",
            "key": "id",
            "incremental": {"field": "updated_at", "lag": "1h"},
            "pagination": "link_header",
            "headers": {"X-Region": "${REGION:-eu}"},
        },
        KINDS,
        env,
    )
    assert spec.url == "https://api.example/orders?key=very-secret"
    assert spec.table == "orders" and spec.key == ("id",) and spec.incremental.lag == 3600
    assert spec.pagination == {"type": "link_header"} and spec.option("headers") == {"X-Region": "eu"}
    assert spec.redact(f"GET {spec.url} failed") == "GET https://***/orders?key=*** failed"  # every env value
    assert "very-secret" not in repr(spec)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"url": "http://x/${MISSING}"}, r"uses \$\{MISSING\}, which is not set"),
        ({"kind": "soap", "url": "http://x"}, r"kind 'soap'; use one of: graphql, memory, rest"),
        ({"kind": "rest"}, "has no `url`"),
        ({"url": "http://x", "mode": "upsert"}, "Unknown write mode 'upsert'"),
        ({"url": "http://x", "mode": "merge"}, "A merge needs a key"),
        ({"url": "http://x", "incremental": {"lag": "1h"}}, "without a `field`"),
        ({"url": "http://x", "schema": "strict"}, "schema 'strict'; use evolve or frozen"),
        ({"url": "http://x", "table": "bad name"}, "Invalid table name"),
        ("http://x", "must be a mapping"),
    ],
)
def test_a_bad_catalog_entry_names_the_source_and_the_fix(entry, message):
    with pytest.raises(CatalogError, match=message) as caught:
        parse_source("orders", entry, KINDS, {})
    assert "orders" in str(caught.value)


def test_invalid_yaml_names_the_line(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text("sources:\n  a:\n    url: [unclosed\n")
    with pytest.raises(CatalogError, match="not valid YAML at line"):
        load_catalog(path, KINDS)


def test_a_missing_catalog_file_means_no_sources(tmp_path):
    assert load_catalog(tmp_path / "sources.yaml", KINDS) == {}


def test_pages_combine_with_new_fields_as_nulls_and_null_only_fields_dropped():
    data = combine([pa.table({"a": [1], "z": [None]}), pa.table({"a": [2.5], "b": ["x"]})], "s")
    assert data.schema.names == ["a", "b"] and data.column("a").type == pa.float64()
    assert data.column("b").to_pylist() == [None, "x"]


def test_reconcile_widens_casts_down_and_refuses_drift_when_frozen():
    existing = pa.schema([("id", pa.int64()), ("price", pa.int64()), ("ratio", pa.float64())])
    data = pa.table({"id": pa.array([1], pa.int32()), "price": [1.5], "ratio": pa.array([2], pa.int64())})
    fitted = reconcile(existing, data, SchemaPolicy.EVOLVE, "t")
    assert fitted.widen == {"price": pa.float64()}
    assert fitted.data.schema.types == [pa.int64(), pa.float64(), pa.float64()]
    with pytest.raises(SchemaDriftError, match="Field 'price' of table 't' changed type from int64 to double"):
        reconcile(existing, data, SchemaPolicy.FROZEN, "t")
    with pytest.raises(SchemaDriftError, match="Field 'id' of table 't' changed type from int64 to string"):
        reconcile(existing, pa.table({"id": ["x"]}), SchemaPolicy.EVOLVE, "t")
