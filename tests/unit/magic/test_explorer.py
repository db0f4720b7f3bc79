"""Paging a kept result through the cell service, the explorer widget and the lazy `_`, on a fake runner."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from hpdp.application.cells import CellService
from hpdp.domain.errors import InvalidInputError, NotFoundError
from hpdp.presentation.magic.explorer import Explorer
from hpdp.presentation.magic.lazy import LazyResult
from tests.unit.fakes import FakeCellRunner

ROWS = [(i, f"v{(i * 37) % 95:02d}") for i in range(95)]


@pytest.fixture
def runner() -> FakeCellRunner:
    return FakeCellRunner(list(ROWS))


@pytest.fixture
def cells(runner: FakeCellRunner) -> CellService:
    return CellService(lambda: runner)


def test_a_result_bigger_than_the_page_is_kept_and_not_read(cells: CellService) -> None:
    result = cells.run("SELECT", {}, keep_over=10, lazy=True)
    assert result.value is None and result.kept is not None
    assert result.kept.total == 95 and result.kept.first.rows == ROWS[:10]
    small = cells.run("SELECT", {}, keep_over=100, lazy=True)
    assert small.kept is None and small.value == ROWS


def test_pages_are_checked_before_they_run(cells: CellService) -> None:
    kept = cells.run("SELECT", {}, keep_over=10, lazy=True).kept
    assert kept is not None
    with pytest.raises(InvalidInputError, match="no column 'c'; sort by one of: a, b"):
        cells.page(kept.id, 0, 10, order_by="c")
    with pytest.raises(InvalidInputError, match="offset of 0 or more"):
        cells.page(kept.id, -1, 10)
    with pytest.raises(NotFoundError, match="run its cell again"):
        cells.page(kept.id + 1, 0, 10)
    with pytest.raises(InvalidInputError, match="use one of: parquet, csv"):
        cells.export(kept.id, Path("x.json"), "json")


def test_an_export_never_overwrites_a_file(cells: CellService, tmp_path: Path) -> None:
    kept = cells.run("SELECT", {}, keep_over=10, lazy=True).kept
    assert kept is not None
    taken = tmp_path / "mine.csv"
    taken.write_text("keep me")
    with pytest.raises(InvalidInputError, match="exists already"):
        cells.export(kept.id, taken, "csv")
    assert taken.read_text() == "keep me"


def test_a_long_cell_reports_its_progress_on_the_callers_thread(cells: CellService, runner: FakeCellRunner) -> None:
    runner.release = threading.Event()
    seen: list[tuple[float | None, str]] = []

    def progress(fraction: float | None) -> None:
        seen.append((fraction, threading.current_thread().name))
        runner.release.set()  # type: ignore[union-attr]

    cells.run("SELECT", {}, progress=progress, progress_after=0)
    assert seen and seen[0] == (0.5, threading.current_thread().name)


def test_a_quick_cell_shows_no_progress(cells: CellService) -> None:
    seen: list[float | None] = []
    cells.run("SELECT", {}, progress=seen.append, progress_after=3600)
    assert seen == []


def explorer_for(cells: CellService, folder: Path) -> Explorer:
    kept = cells.run("SELECT", {}, keep_over=10, lazy=True).kept
    assert kept is not None
    return Explorer(cells, kept, page_size=10, elapsed=0.01, folder=folder)


def test_the_explorer_pages_and_stops_at_the_ends(cells: CellService, tmp_path: Path) -> None:
    ex = explorer_for(cells, tmp_path)
    assert ex.previous.disabled and not ex.next.disabled and ex.position.value == "rows 1–10"
    ex.next.click()
    ex.next.click()
    assert ex.offset == 20 and "<td>29</td>" in ex.table.value and "<td>19</td>" not in ex.table.value
    ex.go(10**9)
    assert ex.offset == 90 and ex.next.disabled and ex.position.value == "rows 91–95"
    ex.go(-5)
    assert ex.offset == 0 and ex.previous.disabled


def test_sorting_shows_the_first_page_in_the_new_order(cells: CellService, tmp_path: Path) -> None:
    ex = explorer_for(cells, tmp_path)
    ex.next.click()
    ex.sort.value = "b"
    ex.direction.value = True
    assert ex.offset == 0 and ex.order_by == "b" and ex.descending
    assert "<td>v94</td>" in ex.table.value and "b ▼" in ex.table.value


def test_downloads_get_new_names_and_errors_are_one_sentence(
    cells: CellService, runner: FakeCellRunner, tmp_path: Path
) -> None:
    ex = explorer_for(cells, tmp_path)
    first, second = ex.download("parquet"), ex.download("parquet")
    assert first == tmp_path / f"result-{ex.kept.id}.parquet"
    assert second is not None and second.name == f"result-{ex.kept.id}-2.parquet"
    assert f'href="{second.name}"' in ex.message.value
    runner.kept_results.clear()
    ex.next.click()
    assert "run its cell again" in ex.message.value and ex.offset == 0


def test_the_explorer_carries_its_first_page_as_html_for_outputs_read_without_a_kernel(
    cells: CellService, tmp_path: Path
) -> None:
    bundle = explorer_for(cells, tmp_path)._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "95 rows × 2 columns, first 10 shown" in bundle["text/html"] and bundle["text/html"].count("<tr>") == 11


def test_the_lazy_result_reads_once_and_only_when_used(cells: CellService, runner: FakeCellRunner) -> None:
    kept = cells.run("SELECT", {}, keep_over=10, lazy=True).kept
    assert kept is not None
    lazy = LazyResult(cells, kept, "polars")
    assert len(lazy) == 95 and lazy.columns == ["a", "b"] and not hasattr(lazy, "_repr_html_")
    assert "not read yet" in repr(lazy) and runner.fetches == 0
    assert lazy[3] == ROWS[3] and lazy.count(ROWS[0]) == 1 and runner.fetches == 1
    assert lazy.collect() == ROWS and runner.fetches == 1
