"""The pages of `hpdp serve` in headless Chromium: each loads cleanly, and the main actions work in place."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from tests.e2e.serve.site import BIG_ROWS, RUN_OUTPUT, Site

PAGES = {
    "/": "Tables",
    "/data": "Rows 1–100 of",
    "/sources": "Failed loads",
    "/runs": "Pick a run",
    "/schedules": "New schedule",
    "/experiments": "Ranking",
}


def open_page(page: Page, url: str) -> None:
    """Go to a page and wait until its Bokeh document came over the WebSocket (the page is live)."""
    page.goto(url)
    page.wait_for_function("() => window.Bokeh !== undefined && Bokeh.documents.length > 0", timeout=60_000)


def errors_of(page: Page) -> list[str]:
    seen: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            seen.append(f"console: {message.text}")

    page.on("console", console)
    page.on("pageerror", lambda exc: seen.append(f"page error: {exc}"))
    page.on("requestfailed", lambda request: seen.append(f"request failed: {request.url}"))
    page.on("response", lambda r: seen.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
    return seen


@pytest.mark.parametrize("path", list(PAGES))
def test_every_page_loads_without_errors_and_links_the_others(site: Site, page: Page, path: str) -> None:
    errors = errors_of(page)
    open_page(page, site.url + path)
    expect(page.get_by_text(PAGES[path]).first).to_be_visible(timeout=30_000)
    for title in ("Overview", "Data", "Sources", "Runs", "Schedules", "Experiments"):
        expect(page.get_by_role("link", name=title, exact=True)).to_be_visible()
    expect(page.locator(".alert-danger:visible")).to_have_count(0)
    assert errors == []


def test_the_data_page_reads_one_page_of_a_million_rows_at_a_time(site: Site, page: Page) -> None:
    open_page(page, f"{site.url}/data")
    page.locator("select").first.select_option("big")
    expect(page.get_by_text(f"Rows 1–100 of {BIG_ROWS:,}")).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Next ›").click()
    expect(page.get_by_text(f"Rows 101–200 of {BIG_ROWS:,} · page 2 of 10,000")).to_be_visible()
    expect(page.locator(".tabulator-cell[tabulator-field='id']").first).to_have_text("100")


def test_a_sql_query_shows_its_result_and_a_write_is_refused(site: Site, page: Page) -> None:
    open_page(page, f"{site.url}/data")
    page.locator(".bk-tab", has_text="SQL").click()
    editor = page.get_by_placeholder("SELECT ...")
    editor.fill("SELECT id, x * 2 AS doubled FROM big WHERE id BETWEEN 20 AND 22 ORDER BY id")
    page.get_by_role("button", name="Run", exact=True).click()
    expect(page.locator(".hpdp-sql-status")).to_contain_text("3 rows")
    expect(page.locator(".tabulator-cell[tabulator-field='doubled']").first).to_have_text("20.0")
    editor.fill("DELETE FROM big")
    page.get_by_role("button", name="Run", exact=True).click()
    expect(page.locator(".alert-danger")).to_be_visible()
    expect(page.locator(".alert-danger")).to_contain_text("read-only")
    assert {t.name: t.rows for t in site.container.workbench().tables()}["big"] == BIG_ROWS


def test_a_schedule_added_in_the_page_is_listed_by_the_cli(site: Site, page: Page) -> None:
    open_page(page, f"{site.url}/schedules")
    page.get_by_placeholder("nightly-report").fill("from-the-page")
    cron = page.get_by_placeholder("0 6 * * *")
    cron.fill("not a cron")
    expect(page.locator(".hpdp-cron-check")).to_contain_text("is not a cron expression")
    cron.fill("*/15 * * * *")
    check = page.locator(".hpdp-cron-check")
    expect(check).to_contain_text("Next fire times")
    expect(check.locator("li")).to_have_count(5)
    page.get_by_placeholder("/path/to/notebook.ipynb").fill(str(site.notebook))
    page.get_by_role("button", name="Add schedule").click()
    expect(page.locator(".alert-success")).to_contain_text("from-the-page")
    expect(page.locator(".tabulator-cell", has_text="from-the-page")).to_be_visible()
    listed = hpdp(site, "schedule", "list")
    assert listed.returncode == 0, listed.stderr
    assert "from-the-page" in listed.stdout and "*/15 * * * *" in listed.stdout


def test_an_ingest_started_from_the_page_updates_it_live(site: Site, page: Page) -> None:
    open_page(page, f"{site.url}/sources")
    row = page.locator(".tabulator-row", has_text="items")
    expect(row).to_contain_text("never")
    page.locator("select").first.select_option("items")
    page.get_by_role("button", name="Start ingest").click()
    expect(page.locator(".hpdp-ingest-status")).to_contain_text("Loaded items: 25 rows", timeout=60_000)
    expect(row).to_contain_text("ok")
    expect(row.locator(".tabulator-cell[tabulator-field='rows']")).to_have_text("25")


def test_a_run_shows_its_parameters_metrics_and_output_notebook(site: Site, page: Page) -> None:
    open_page(page, f"{site.url}/runs")
    page.locator(".tabulator-cell", has_text=site.run_id).click()
    expect(page.get_by_text(f"Run {site.run_id}")).to_be_visible()
    expect(page.get_by_text("Parameters", exact=True)).to_be_visible()
    expect(page.get_by_text("Metrics", exact=True)).to_be_visible()
    notebook = page.frame_locator("iframe.hpdp-notebook")
    expect(notebook.get_by_text(RUN_OUTPUT)).to_be_visible(timeout=30_000)


def hpdp(site: Site, *args: str) -> subprocess.CompletedProcess[str]:
    env: dict[str, Any] = {k: v for k, v in os.environ.items() if not k.startswith("HPDP_")}
    env.update(HPDP_HOME=str(site.home), COLUMNS="300")
    return subprocess.run([sys.executable, "-m", "hpdp", *args], env=env, capture_output=True, text=True, timeout=120)


def test_a_schedule_added_by_another_process_appears_without_reloading(site: Site, page: Page) -> None:
    open_page(page, f"{site.url}/schedules")
    expect(page.get_by_text("New schedule")).to_be_visible()
    added = hpdp(site, "schedule", "add", "from-the-cli", "--notebook", str(site.notebook), "--cron", "0 6 * * *")
    assert added.returncode == 0, added.stderr
    expect(page.locator(".tabulator-cell", has_text="from-the-cli")).to_be_visible(timeout=30_000)
