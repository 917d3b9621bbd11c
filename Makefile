# The two commands of the README: `make run` and `make test`.
# Both set up what they need on a fresh Debian machine (system packages via
# scripts/system-deps.sh, Python packages in .venv) before doing their job.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DATA   ?= $(CURDIR)/.omix-data
STAMP  := $(VENV)/.installed

.PHONY: run server test test-sqlite test-postgres lint system-deps clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,gui,postgres]'
	touch $(STAMP)

system-deps:
	bash scripts/system-deps.sh

## Run the app (for now the reference archive server) with a local data folder.
run: $(STAMP)
	$(BIN)/omix-server --data-dir $(DATA)

server: $(STAMP)
	$(BIN)/omix-server --data-dir $(DATA)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test-sqlite: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

test-postgres: $(STAMP)
	QT_QPA_PLATFORM=offscreen bash scripts/with-postgres.sh $(BIN)/python -m pytest tests/server

## Everything CI runs: lint, the whole suite on SQLite, the server suite on PostgreSQL.
test: system-deps $(STAMP)
	$(MAKE) lint
	$(MAKE) test-sqlite
	$(MAKE) test-postgres

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
