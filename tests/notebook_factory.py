"""Small notebooks written for tests: a parameters cell plus code cells."""

from __future__ import annotations

import json
from pathlib import Path


def write_notebook(path: Path, parameters: str, *cells: str, kernel: str = "no-such-kernel") -> Path:
    """An nbformat-4 notebook whose kernelspec names a kernel that does not exist: runs must not use it."""

    def code(source: str, tags: list[str] | None = None) -> dict[str, object]:
        return {
            "cell_type": "code",
            "execution_count": None,
            "id": f"c{abs(hash((source, len(tags or []))))}"[:12],
            "metadata": {"tags": tags or []},
            "outputs": [],
            "source": source,
        }

    nb = {
        "cells": [code(parameters, ["parameters"]), *(code(c) for c in cells)],
        "metadata": {"kernelspec": {"name": kernel, "display_name": kernel, "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.write_text(json.dumps(nb))
    return path


SMALL = ('x = 1\nlabel = "a"\nrate = 0.5\nflag = False\n', "y = x * 2\nprint(y, label)")
