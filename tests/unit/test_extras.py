"""A missing optional module is reported with the extra that installs it, for every module hpdp imports."""

from __future__ import annotations

import ast
import sys
import tomllib
from pathlib import Path

from hpdp.infrastructure.extras import EXTRAS, extra_for, missing_extra_message

ROOT = Path(__file__).resolve().parents[2]
# Top-level modules of the core dependencies (pyproject's `dependencies`).
CORE = {
    "duckdb", "duckdb_extensions", "polars", "pyarrow", "pandas", "numpy", "pydantic",
    "dotenv", "typer", "rich", "yaml", "pytz", "filelock",
}  # fmt: skip


def imported_modules() -> set[str]:
    found: set[str] = set()
    for file in (ROOT / "hpdp").rglob("*.py"):
        for node in ast.walk(ast.parse(file.read_text())):
            if isinstance(node, ast.Import):
                found.update(alias.name.partition(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.partition(".")[0])
    return found - set(sys.stdlib_module_names) - {"hpdp", "__future__"}


def test_every_third_party_module_hpdp_imports_is_core_or_names_its_extra() -> None:
    unknown = sorted(m for m in imported_modules() if m not in CORE and extra_for(m) is None)
    assert not unknown, f"add these modules to hpdp.infrastructure.extras.EXTRAS: {unknown}"


def test_every_extra_named_exists_in_the_package() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert set(EXTRAS) <= set(declared)


def test_the_message_names_the_extra_for_a_submodule_too() -> None:
    assert extra_for("jupyter_client.kernelspec") == "jupyter"
    assert missing_extra_message("papermill") == "This command needs the runs extra: pip install 'hpdp[runs]'"
    assert missing_extra_message("no_such_module") is None and missing_extra_message(None) is None
