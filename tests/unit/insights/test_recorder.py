"""The recorder: what a task block measures reaches the ledger; slow extras are computed by the writer."""

from __future__ import annotations

import threading

import pytest

from hpdp.adapters.memory_ledger import InMemoryLedger
from hpdp.application.recording import Recorder


@pytest.mark.parametrize("background", [True, False])
def test_entries_given_for_later_are_computed_by_the_writer_and_a_failing_one_is_left_out(background):
    ledger = InMemoryLedger()
    recorder = Recorder(ledger, background=background)
    computed_in: list[str] = []

    def profile() -> dict[str, int]:
        computed_in.append(threading.current_thread().name)
        return {"rows": 3}

    with recorder.task("load", "orders") as measure:
        with measure.phase("fetch"):
            pass
        measure.config["parser"] = "arrow"
        measure.later["columns"] = profile
        measure.later["broken"] = lambda: 1 / 0
    recorder.close()
    [execution] = ledger.executions()
    assert execution.config["columns"] == {"rows": 3} and execution.config["parser"] == "arrow"
    assert "broken" not in execution.config and "fetch" in execution.phases
    assert computed_in == ["hpdp-ledger" if background else threading.current_thread().name]
