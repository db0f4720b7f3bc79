"""A pytest plugin that writes each collected test's markers as JSON (`-p tests.marker_report`)."""

from __future__ import annotations

import json
import os

import pytest


def pytest_collection_finish(session: pytest.Session) -> None:
    marks = {item.nodeid: sorted({m.name for m in item.iter_markers()}) for item in session.items}
    with open(os.environ["HPDP_TEST_MARKER_REPORT"], "w") as out:
        json.dump(marks, out)
