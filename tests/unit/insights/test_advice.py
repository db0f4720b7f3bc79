"""Engine advice: interleaved rounds recorded in the ledger, and one stored finding."""

from __future__ import annotations

from typing import Any

import pytest

from hpdp.adapters.memory_ledger import InMemoryFindingStore, InMemoryLedger
from hpdp.application.advice import EngineAdviceService, aggregate_plan
from hpdp.domain.errors import InvalidInputError, UnknownTableError
from tests.unit.fakes import FakeProcessor, FakeStore

ROWS = [{"city": "a", "v": 1.0}, {"city": "b", "v": 2.0}, {"city": "a", "v": 3.0}]


class Counting(FakeProcessor):
    def __init__(self, name: str, calls: list[str]) -> None:
        self.engine, self.calls = name, calls

    def _aggregate(self, data: Any, by: list[str], aggregations: list[Any]) -> Any:
        self.calls.append(self.engine)
        return data


def service(calls: list[str]) -> tuple[EngineAdviceService, InMemoryLedger, InMemoryFindingStore]:
    store = FakeStore()
    store.write("t", ROWS)
    ledger, findings = InMemoryLedger(), InMemoryFindingStore()
    engines = {"polars": lambda: Counting("polars", calls), "pandas": lambda: Counting("pandas", calls)}
    return EngineAdviceService(store, engines, ledger, findings), ledger, findings


def test_engines_run_interleaved_and_every_round_is_recorded() -> None:
    calls: list[str] = []
    advice_service, ledger, findings = service(calls)
    advice = advice_service.advise("t", "aggregate", repeat=3)
    warm_up = ["polars", "pandas"]
    assert calls == [*warm_up, "polars", "pandas", "pandas", "polars", "polars", "pandas"]
    recorded = ledger.executions(kind="advice", subject="table:t")
    assert [e.parameters["engine"] for e in recorded] == calls[2:]
    assert all(e.rows == 3 and e.duration_s >= 0 for e in recorded)
    [finding] = findings.list()
    assert finding.kind == "engine_advice" and finding.id == advice.finding.id and finding.since == recorded[0].id
    assert advice.ratio >= 1 and advice.spread[0] <= advice.spread[1]
    assert set(finding.evidence["seconds"]) == {"polars", "pandas"}


def test_advising_again_replaces_the_finding_of_the_same_table_and_task() -> None:
    advice_service, _, findings = service([])
    advice_service.advise("t", "aggregate", repeat=1)
    advice_service.advise("t", "aggregate", repeat=2)
    assert len(findings.list()) == 1


def test_bad_requests_change_nothing() -> None:
    advice_service, ledger, findings = service([])
    with pytest.raises(InvalidInputError, match="Unknown task"):
        advice_service.advise("t", "sort")
    with pytest.raises(InvalidInputError, match="at least once"):
        advice_service.advise("t", repeat=0)
    with pytest.raises(UnknownTableError):
        advice_service.advise("missing")
    assert ledger.executions() == [] and findings.list() == []


def test_the_aggregate_groups_by_the_text_column_with_fewest_values() -> None:
    by, aggregations = aggregate_plan([("id", True, 100), ("city", False, 3), ("name", False, 90), ("v", True, 50)])
    assert by == ["city"]
    assert [a.name for a in aggregations] == ["rows", "mean_id", "mean_v"]
    assert aggregate_plan([("v", True, 5)])[0] == ["v"]
