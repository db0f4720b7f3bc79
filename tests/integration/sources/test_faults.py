"""Faults against the real test API: retries with backoff, Retry-After, timeouts, bad bodies, secrets."""

from __future__ import annotations

import time

import pytest

from hpdp.domain.sources import LoadStatus, SourceError
from tests.integration.sources.conftest import ids
from tests.integration.sources.test_rest import source


def test_a_500_once_is_retried_and_the_load_succeeds(open_hp, api, api_url):
    api.faults = [(500, {})]
    hp = open_hp({"items": source(api_url, backoff=0.01)})
    assert hp.ingest("items").rows == 25
    assert sum("next_link" in r and "page=" not in r for r in api.requests) == 2  # page 1 asked twice


def test_a_429_waits_for_retry_after(open_hp, api, api_url):
    api.faults = [(429, {"Retry-After": "1"})]
    hp = open_hp({"items": source(api_url, backoff=0.01)})
    started = time.monotonic()
    assert hp.ingest("items").rows == 25
    assert time.monotonic() - started >= 1.0


def test_a_source_that_keeps_failing_gives_up_within_the_time_budget(open_hp, api, api_url):
    api.faults = [(503, {})] * 100
    hp = open_hp({"items": source(api_url, backoff=0.05, retries=50, max_time=1.5)})
    with pytest.raises(SourceError, match=r"Gave up on .*/next_link after \d+ attempt\(s\).*HTTP 503"):
        hp.ingest("items")
    assert 3 <= len(api.requests) < 50


def test_a_slow_page_past_the_timeout_is_retried_then_fails_naming_the_timeout(open_hp, api, api_url):
    api.slow_page = (2, 2.0)
    hp = open_hp({"items": source(api_url, timeout=0.3, retries=1, backoff=0.01)})
    with pytest.raises(SourceError, match="ReadTimeout"):
        hp.ingest("items")
    assert sum("page=2" in r for r in api.requests) == 2
    assert not hp.store.has_table("items")


def test_a_slow_page_within_the_timeout_loads(open_hp, api, api_url):
    api.slow_page = (2, 0.3)
    hp = open_hp({"items": source(api_url, timeout=5)})
    assert hp.ingest("items").rows == 25


def test_a_truncated_body_fails_with_the_url_and_leaves_the_table_as_before(open_hp, api, api_url):
    hp = open_hp(
        {"items": source(api_url, mode="merge", key="id", incremental={"field": "updated_at", "param": "since"})}
    )
    hp.ingest("items")
    snapshot, cursor = hp.current_snapshot(), hp.ingestion.cursor("items")
    api.items.extend({**api.items[0], "id": 100 + i, "updated_at": "2024-02-01T00:00:00Z"} for i in range(15))
    api.truncate_page = 2
    with pytest.raises(SourceError, match=r"/next_link\?since=.*page=2 returned a malformed JSON body"):
        hp.ingest("items")
    assert ids(hp) == list(range(1, 26))
    assert hp.ingestion.cursor("items") == cursor
    failed = hp.ingestion.loads("items")[0]
    assert failed.status is LoadStatus.FAILED and "malformed" in failed.error and failed.pages == 1
    # one new snapshot, holding only the failure's history row: the ledger's record of the failure is
    # bookkeeping, listed by no snapshot listing (ids still count every commit of the catalog)
    [after] = [s for s in hp.snapshots() if s.id > snapshot]
    assert after.tables == ("_hpdp_loads",) and hp.current_snapshot() == after.id


def test_an_http_error_is_not_retried_and_secrets_never_show(open_hp, api, api_url, monkeypatch):
    monkeypatch.setenv("ITEMS_TOKEN", "s3cr3t-token-value")
    api.faults = [(401, {})]
    hp = open_hp({"items": source(api_url, params={"key": "${ITEMS_TOKEN}"}, auth={"token": "${ITEMS_TOKEN}"})})
    with pytest.raises(SourceError, match="HTTP 401") as caught:
        hp.ingest("items")
    assert "s3cr3t" not in str(caught.value) and "key=***" in str(caught.value)
    assert "s3cr3t" not in hp.ingestion.loads("items")[0].error
    assert "s3cr3t" not in repr(hp.ingestion.spec("items"))
    assert len(api.requests) == 1
