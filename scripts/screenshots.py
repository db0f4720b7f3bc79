"""Screenshots of every page of `hpdp serve` for the README: docs/screenshots/<page>.png.

Serves the seeded workspace of the browser tests (a 1M-row table, a REST source, runs, an experiment) on a
free port of 127.0.0.1 and opens each page in Debian's Chromium. Run from the repository root:
    .venv/bin/python scripts/screenshots.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, sync_playwright  # noqa: E402

from tests.e2e.browser import ARGS, CHROMIUM  # noqa: E402
from tests.e2e.serve.site import Site, serve_site  # noqa: E402

OUT = ROOT / "docs" / "screenshots"


def live(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_function("() => window.Bokeh !== undefined && Bokeh.documents.length > 0", timeout=60_000)


def shoot(page: Page, site: Site) -> None:
    live(page, f"{site.url}/")
    page.locator(".tabulator-cell", has_text="big").first.wait_for()
    page.screenshot(path=OUT / "overview.png", full_page=True)

    live(page, f"{site.url}/data")
    page.locator("select").first.select_option("big")
    page.get_by_text("Rows 1–100 of").wait_for()
    page.screenshot(path=OUT / "data.png", full_page=True)

    live(page, f"{site.url}/sources")
    page.locator(".tabulator-cell", has_text="items").first.wait_for()
    page.locator("canvas").first.wait_for()
    page.screenshot(path=OUT / "sources.png", full_page=True)

    live(page, f"{site.url}/runs")
    page.locator(".tabulator-cell", has_text=site.run_id).click()
    page.frame_locator("iframe.hpdp-notebook").get_by_text("report ready: 42").first.wait_for()
    page.screenshot(path=OUT / "runs.png", full_page=True)

    live(page, f"{site.url}/schedules")
    page.get_by_placeholder("0 6 * * *").fill("*/15 * * * *")
    page.locator(".hpdp-cron-check li").nth(4).wait_for()
    page.screenshot(path=OUT / "schedules.png", full_page=True)

    live(page, f"{site.url}/experiments")
    page.locator(".tabulator-cell", has_text="x").first.wait_for()
    page.locator("canvas").first.wait_for()
    page.screenshot(path=OUT / "experiments.png", full_page=True)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch, serve_site(Path(scratch) / "ws") as site:
        for _ in range(3):  # a load history for the Sources page's charts
            site.container.ingestion().ingest("items", full_refresh=True)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                shoot(browser.new_page(viewport={"width": 1280, "height": 900}), site)
            finally:
                browser.close()
    print(f"screenshots in {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
