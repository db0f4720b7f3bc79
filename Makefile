# hpdp: `make run` runs the main job on the embedded defaults; `make test` runs every test tier.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
STAMP := $(VENV)/.installed

.PHONY: setup run test test-fast lint bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON) not found)." >&2; exit 1; }
	[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip 2>&1 | { grep -v 'is ignored' || true; }
	$(BIN)/python -m pip install -q -e '.[dev]' 2>&1 | { grep -v 'is ignored' || true; }
	$(BIN)/python -c "import hpdp, duckdb, polars" 
	touch $(STAMP)

run: setup
	$(BIN)/hpdp demo

lint: setup
	$(BIN)/ruff check hpdp tests benchmarks
	$(BIN)/ruff format --check hpdp tests benchmarks
	$(BIN)/lint-imports

test: setup
	$(BIN)/ruff check hpdp tests benchmarks
	.ci/with-servers $(BIN)/python -m pytest -n 2 -q --durations=25 tests

# The inner loop: unit tests and the integration tests that need no server and no kernel.
test-fast: setup
	$(BIN)/python -m pytest -n 2 -q tests/unit tests/integration -m "not postgres and not redis_queue and not kernel"

bench: setup
	.ci/with-servers $(BIN)/python benchmarks/store.py
	$(BIN)/python benchmarks/magic.py
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/serve.py
	$(BIN)/python benchmarks/runs.py

clean:
	rm -rf $(VENV) .hpdp .ci-run
