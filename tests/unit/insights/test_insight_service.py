"""The insight service over the in-memory ledger: findings appear after tasks, dismissals hold, steps resolve."""

from __future__ import annotations

import pytest

from hpdp.adapters.memory_ledger import InMemoryFindingStore, InMemoryLedger
from hpdp.application.ledger import InsightService
from hpdp.application.recording import Recorder
from hpdp.domain.findings import FindingNotFoundError
from tests.unit.insights.histories import durations, executions


@pytest.fixture
def parts():
    ledger, findings = InMemoryLedger(), InMemoryFindingStore()
    insights = InsightService(ledger, findings, clock=lambda: executions([1.0] * 40)[-1].ended)
    return ledger, insights, Recorder(ledger, insights, background=False)


def test_a_regression_appears_after_the_runs_that_cause_it_without_a_refresh(parts):
    _, insights, recorder = parts
    for e in executions(durations(1, baseline=12, level=2.0, noise=0.03, step=0.3, after=4)):
        recorder.record(e)
    [finding] = insights.open()
    assert finding.kind == "duration_regression" and finding.since == "r12" and "job.ipynb" in finding.message


def test_a_dismissed_finding_stays_dismissed_as_more_slow_runs_arrive(parts):
    _, insights, recorder = parts
    runs = executions(durations(2, baseline=12, level=2.0, noise=0.03, step=0.3, after=8))
    for e in runs[:16]:
        recorder.record(e)
    [finding] = insights.open()
    insights.dismiss(finding.id)
    for e in runs[16:]:
        recorder.record(e)
    insights.refresh()
    assert insights.open() == []
    assert [f.status for f in insights.all()] == ["dismissed"]


def test_a_regression_that_returns_to_its_baseline_resolves_itself(parts):
    _, insights, recorder = parts
    values = durations(3, baseline=12, level=2.0, noise=0.03, step=0.4, after=4) + durations(4, 4, 2.0, 0.03)
    runs = executions(values)
    for e in runs[:16]:
        recorder.record(e)
    assert len(insights.open()) == 1
    for e in runs[16:]:
        recorder.record(e)
    assert insights.open() == []
    assert [f.status for f in insights.all()] == ["resolved"]


def test_dismissing_an_unknown_finding_is_a_not_found_error(parts):
    with pytest.raises(FindingNotFoundError, match="No finding has the id 'nope'"):
        parts[1].dismiss("nope")
