# hpdp: `make run` starts the platform on the embedded defaults; `make test` runs every test tier.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
STAMP := $(VENV)/.installed
LABEXT := hpdp/resources/labextensions/hpdp-sql

.PHONY: setup run test test-fast lint bench clean labextension

setup: $(STAMP)

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON) not found)." >&2; exit 1; }
	[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip 2>&1 | { grep -v 'is ignored' || true; }
	$(BIN)/python -m pip install -q -e '.[dev]' 2>&1 | { grep -v 'is ignored' || true; }
	$(BIN)/python -c "import hpdp, duckdb, polars" 
	# an editable install skips the wheel's data files: link the prebuilt JupyterLab extension in by hand
	mkdir -p $(VENV)/share/jupyter/labextensions
	ln -sfn $(CURDIR)/$(LABEXT) $(VENV)/share/jupyter/labextensions/hpdp-sql
	touch $(STAMP)

# The whole platform in the foreground (scheduler, dashboards and APIs, MLflow UI); Ctrl-C stops it.
run: setup
	$(BIN)/hpdp up

lint: setup
	$(BIN)/ruff check hpdp tests benchmarks examples
	$(BIN)/ruff format --check hpdp tests benchmarks examples
	$(BIN)/lint-imports

test: setup
	$(BIN)/ruff check hpdp tests benchmarks examples
	.ci/with-servers $(BIN)/python -m pytest -n 2 -q --durations=25 tests

# The inner loop: unit tests and the integration tests that need no server (database, queue, test API or
# Flight) and no kernel.
test-fast: setup
	$(BIN)/python -m pytest -n 2 -q tests/unit tests/integration \
		-m "not postgres and not redis_queue and not kernel and not sources and not flight"

bench: setup
	.ci/with-servers $(BIN)/python benchmarks/store.py
	$(BIN)/python benchmarks/magic.py
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/serve.py
	$(BIN)/python benchmarks/runs.py

# The JupyterLab extension (SQL highlighting), rebuilt from labextension/ with the locked npm packages. Its
# output in hpdp/resources/labextensions is committed, so installing hpdp never needs Node.
labextension: setup
	cd labextension && npm ci --no-audit --no-fund --ignore-scripts && npx tsc
	rm -rf $(LABEXT)
	node labextension/node_modules/@jupyterlab/builder/lib/build-labextension.js \
	  --core-path "$$($(BIN)/python -c 'import jupyterlab, pathlib; print(pathlib.Path(jupyterlab.__file__).parent / "staging")')" \
	  labextension
	cp labextension/install.json $(LABEXT)/

clean:
	rm -rf $(VENV) .hpdp .ci-run
