"""Seeding the first-start demo into a real workspace: only an empty one, and only once."""

from __future__ import annotations

from pathlib import Path

import hpdp
from hpdp.application.experiments import load_spec
from hpdp.application.notebooks import declared_parameters, load_notebook
from hpdp.infrastructure.container import Container
from hpdp.infrastructure.demo import seed_demo
from hpdp.infrastructure.settings import load_settings

API = "http://127.0.0.1:18090"


def files(home: Path) -> dict[str, bytes]:
    kept = (".yaml", ".ipynb")
    return {str(p.relative_to(home)): p.read_bytes() for p in sorted(home.rglob("*")) if p.suffix in kept}


def schedules(home: Path) -> dict[str, tuple[str, str, dict]]:
    with Container(load_settings(home=home)) as c:
        return {
            v.schedule.name: (Path(v.schedule.notebook).name, v.schedule.cron, v.schedule.parameters)
            for v in c.schedules().list_schedules()
        }


def test_an_empty_workspace_gets_sources_notebooks_schedules_and_an_experiment(workspace: Path) -> None:
    plan = seed_demo(workspace, API)
    assert plan.seeded, plan
    hp = hpdp.open(home=str(workspace))
    try:
        specs = hp.ingestion.specs()
    finally:
        hp.close()
    assert {name: (s.kind, s.table, s.url) for name, s in specs.items()} == {
        "demo_flights": ("rest", "flights", f"{API}/flights"),
        "demo_weather": ("graphql", "weather", f"{API}/graphql"),
        "demo_live": ("websocket", "flights_live", "ws://127.0.0.1:18090/flights/live"),
    }
    assert schedules(workspace) == {
        "demo-ingest": ("ingest_source.ipynb", "* * * * *", {}),
        "demo-profile": ("profile_table.ipynb", "*/5 * * * *", {"table": "flights"}),
    }
    assert "source" in declared_parameters(load_notebook(workspace / "notebooks" / "ingest_source.ipynb"))
    spec = load_spec(plan.experiment)
    assert spec.grid == {"engine": ["polars", "pandas"]}
    assert set(spec.grid) | set(spec.fixed) <= set(declared_parameters(load_notebook(spec.notebook)))
    assert str(plan.experiment) in str(plan)


def test_seeding_twice_changes_nothing(workspace: Path) -> None:
    assert seed_demo(workspace, API).seeded
    before, planned = files(workspace), schedules(workspace)
    again = seed_demo(workspace, "http://127.0.0.1:9")
    assert not again.seeded
    assert again.left_alone == "has a sources catalog (sources.yaml)"
    assert files(workspace) == before
    assert schedules(workspace) == planned


def test_a_workspace_with_data_is_left_alone(workspace: Path) -> None:
    hp = hpdp.open(home=str(workspace))
    try:
        hp.write("mine", {"x": [1, 2]})
    finally:
        hp.close()
    plan = seed_demo(workspace, API)
    assert not plan.seeded
    assert plan.left_alone == "holds tables (mine)"
    assert str(plan) == f"Demo not set up: {workspace.resolve()} holds tables (mine)."
    assert not (workspace / "sources.yaml").exists()
    assert not (workspace / "notebooks").exists()
    assert schedules(workspace) == {}


def test_a_workspace_with_its_own_catalog_keeps_it(workspace: Path) -> None:
    catalog = workspace / "sources.yaml"
    catalog.write_text("sources: {}\n")
    assert seed_demo(workspace, API).left_alone == "has a sources catalog (sources.yaml)"
    assert catalog.read_text() == "sources: {}\n"
    assert schedules(workspace) == {}
