# The two commands of the README: `make run` and `make test`.
# Both set up what they need on a fresh Debian machine (system packages via
# scripts/system-deps.sh, Python packages in .venv) before doing their job.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DATA   ?= $(CURDIR)/.omix-data
STAMP  := $(VENV)/.installed

# The desktop app's message catalogs: the .po files are the source (committed),
# the .mo files are built from them (not committed).
LOCALE  := omix_desktop/i18n/locale
POT     := $(LOCALE)/omix.pot
PO      := $(wildcard $(LOCALE)/*/LC_MESSAGES/omix.po)
MO      := $(PO:.po=.mo)
PYBABEL ?= $(BIN)/pybabel

.PHONY: run server site test test-sqlite test-postgres test-site test-package package lint system-deps clean catalogs compile-catalogs

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,gui,postgres]'
	$(PYBABEL) compile --domain omix --directory $(LOCALE)
	touch $(STAMP)

## Messages: extract from the code, merge into every .po, compile the .mo files.
## Then translate any new or fuzzy entries in the .po files and run it again.
catalogs: $(STAMP)
	$(PYBABEL) extract --mapping-file babel.cfg --no-location --sort-output \
		--project omix-desktop --copyright-holder "OMIX Desktop contributors" \
		--output-file $(POT) omix_desktop
	$(PYBABEL) update --domain omix --input-file $(POT) --output-dir $(LOCALE) \
		--no-fuzzy-matching --ignore-obsolete --width 100
	$(PYBABEL) compile --domain omix --directory $(LOCALE) --statistics

compile-catalogs: $(MO)

$(LOCALE)/%/LC_MESSAGES/omix.mo: $(LOCALE)/%/LC_MESSAGES/omix.po $(STAMP)
	$(PYBABEL) compile --domain omix --directory $(LOCALE) --locale $*

system-deps:
	bash scripts/system-deps.sh

## Run the desktop app; with no server configured it starts a local reference server.
run: system-deps $(STAMP) compile-catalogs
	$(BIN)/omix-desktop

## Run the reference archive server alone, with a local data folder.
server: system-deps $(STAMP)
	$(BIN)/omix-server --data-dir $(DATA)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy --strict omix_desktop/transfer omix_desktop/api
	$(BIN)/mypy --strict server_stub omix_wire

test-sqlite: $(STAMP) compile-catalogs
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

test-postgres: $(STAMP)
	QT_QPA_PLATFORM=offscreen bash scripts/with-postgres.sh $(BIN)/python -m pytest tests/server

## A site on loopback: PostgreSQL, SeaweedFS (S3) and two omix-server nodes sharing a
## pre-upload folder; prints their addresses, Ctrl-C stops everything (docs/site.md).
site: system-deps $(STAMP)
	bash scripts/site.sh

## The site tests (tests/site/): they start SeaweedFS and the nodes themselves, on a
## throwaway PostgreSQL.
test-site: $(STAMP)
	bash scripts/with-postgres.sh $(BIN)/python -m pytest tests/site -q

## Everything CI runs: lint, the whole suite on SQLite, the server suite on PostgreSQL,
## the site tests (two nodes, PostgreSQL, SeaweedFS), then the frozen bundle built and
## self-tested.
test: system-deps $(STAMP)
	$(MAKE) lint
	$(MAKE) test-sqlite
	$(MAKE) test-postgres
	$(MAKE) test-site
	$(MAKE) test-package

## The Linux one-folder bundle (omix-desktop + omix-server) in dist/omix-desktop/.
PACKAGE_STAMP := $(VENV)/.package-installed
$(PACKAGE_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[package]'
	touch $(PACKAGE_STAMP)

package: $(PACKAGE_STAMP) compile-catalogs
	$(BIN)/pyinstaller --noconfirm --clean --log-level WARN \
		--distpath dist --workpath build/pyinstaller packaging/omix.spec

## Build the bundle and run both executables' --self-test (what CI runs).
test-package: $(PACKAGE_STAMP) compile-catalogs
	OMIX_PACKAGE_TEST=1 QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest tests/packaging

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build dist
