"""papermill, imported without the grammar compilation that costs most of its import.

papermill imports nbformat, which imports jsonschema, whose format checkers import rfc3987_syntax when it is
installed (Jupyter installs it); that module compiles a Lark grammar at import: 1.7 s of a 2.6 s import. No run
validates the "iri" formats it serves (nbformat validates without a format checker), so the first import of
papermill hides it; importing rfc3987_syntax later works as usual.
"""

from __future__ import annotations

import sys
from typing import Any

SKIPPED = "rfc3987_syntax"


def import_papermill() -> Any:
    if "papermill.execute" in sys.modules:
        import papermill

        return papermill
    hidden = SKIPPED not in sys.modules
    if hidden:
        sys.modules[SKIPPED] = None  # type: ignore[assignment]  # an import of it raises ImportError
    try:
        import papermill
        import papermill.execute  # the import that reaches jsonschema
    finally:
        if hidden and sys.modules.get(SKIPPED, 0) is None:
            del sys.modules[SKIPPED]
    return papermill
