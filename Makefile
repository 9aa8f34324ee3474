# One file runs every chore. Only Python 3.11+ is needed; everything else installs itself,
# at the exact versions (and hashes) of the lock files in requirements/.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
PYTEST_ARGS ?=
# make test fails when line coverage of widget_server/ drops below this (README, "Testing").
COVERAGE_FLOOR := 93
COVERAGE ?=
LOCKS := requirements
UV_VERSION := 0.13.9
PIP := $(BIN)/python -m pip --disable-pip-version-check
PIP_LOCKED := $(PIP) install --quiet --require-hashes
PIP_PROJECT := $(PIP) install --quiet --no-deps --no-build-isolation --editable .

.PHONY: demo test lint typecheck unit test-postgres test-latest install install-dev bench clean \
	catalogs lock lock-upgrade docs-contract loader-release

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Stamps: reinstall only when a lock or setup.cfg changes.
$(VENV)/.build-installed: $(LOCKS)/build.txt | $(BIN)/python
	$(PIP_LOCKED) -r $(LOCKS)/build.txt
	touch $@

$(VENV)/.runtime-installed: $(VENV)/.build-installed $(LOCKS)/runtime.txt setup.cfg
	$(PIP_LOCKED) -r $(LOCKS)/runtime.txt
	$(PIP_PROJECT)
	touch $@

$(VENV)/.test-installed: $(VENV)/.build-installed $(LOCKS)/test.txt setup.cfg
	$(PIP_LOCKED) -r $(LOCKS)/test.txt
	$(PIP_PROJECT)
	$(BIN)/python $(LOCKS)/lockcheck.py --sync $(LOCKS)/build.txt $(LOCKS)/test.txt
	touch $@

## make install: the service at the locked runtime versions
install: $(VENV)/.runtime-installed
	@$(BIN)/python $(LOCKS)/lockcheck.py --allow-extra $(LOCKS)/build.txt $(LOCKS)/runtime.txt

## make install-dev: the service and everything the tests need; .venv then equals the lock
install-dev: $(VENV)/.test-installed
	@$(BIN)/python $(LOCKS)/lockcheck.py $(LOCKS)/build.txt $(LOCKS)/test.txt

## make demo: install into .venv, start the sandbox, the demo account and the demo app
demo: install
	$(BIN)/widget-server demo --port $(PORT)

## make test: ruff + mypy (strict) + pytest (unit, sandbox integration, browser, snippets),
## with coverage and its floor
test: install-dev lint typecheck
	$(MAKE) --no-print-directory unit \
	  COVERAGE="--cov --cov-report=term --cov-fail-under=$(COVERAGE_FLOOR)"

lint:
	$(BIN)/ruff check widget_server tests snippets bench $(LOCKS)

typecheck:
	$(BIN)/mypy

## make unit PYTEST_ARGS="tests/i18n": pytest alone (no coverage floor: for a part of the suite)
unit:
	$(BIN)/pytest -n 2 $(COVERAGE) $(PYTEST_ARGS)

## make test-postgres: the same suite against PostgreSQL (127.0.0.1:5432, database test)
test-postgres: install-dev
	WIDGET_SERVER_TEST_DATABASE_URL=$${WIDGET_SERVER_TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} \
	  $(BIN)/pytest -m "not browser" --cov --cov-report=term $(PYTEST_ARGS)

## make test-latest: the suite in a fresh .venv-latest with the newest versions setup.cfg admits
test-latest:
	PYTHON=$(PYTHON) bash $(LOCKS)/test-latest.sh

## make lock: re-resolve the locks after editing setup.cfg, keeping every pin that still fits
## make lock-upgrade: move every pin to the newest version setup.cfg admits
UV_COMPILE = .venv-lock/bin/uv pip compile --quiet --universal --python-version 3.11 \
	--generate-hashes --custom-compile-command "make lock" $(UV_UPGRADE)
lock:
	test -x .venv-lock/bin/uv || ($(PYTHON) -m venv .venv-lock && \
	  .venv-lock/bin/python -m pip install --quiet uv==$(UV_VERSION))
	$(UV_COMPILE) setup.cfg -o $(LOCKS)/runtime.txt
	$(UV_COMPILE) setup.cfg --extra test -c $(LOCKS)/runtime.txt -o $(LOCKS)/test.txt
	$(UV_COMPILE) setup.cfg --extra postgres --extra redis -c $(LOCKS)/test.txt \
	  -o $(LOCKS)/deploy.txt
	$(UV_COMPILE) $(LOCKS)/build.in -c $(LOCKS)/test.txt -o $(LOCKS)/build.txt

lock-upgrade:
	$(MAKE) lock UV_UPGRADE=--upgrade

## make docs-contract: regenerate the request reference in docs/actions.md from the models
docs-contract: install-dev
	$(BIN)/python -m widget_server.contract.reference docs/actions.md

## make loader-release: keep the current embed/portal.js reachable at its content-addressed URL
## for good (embed/releases/; docs/install.md, "Pinning the loader"). Run after changing it.
loader-release:
	$(BIN)/python -c "from widget_server.assets.loader import archive_current as a; print(a())"

## make bench: every benchmark (~8 min); make bench BENCH_ARGS=--quick (~2 min); the figures
## and what they mean: docs/deploy.md
BENCH_ARGS ?=
bench: install-dev
	$(BIN)/python bench/run_all.py $(BENCH_ARGS)

## make catalogs: re-extract the messages and merge them into every locale (docs/i18n.md).
## A template whose messages did not change keeps its old POT-Creation-Date (no churn).
POT := widget_server/i18n/translations/messages.pot
catalogs: install-dev
	cp $(POT) $(POT).before
	$(BIN)/pybabel --quiet extract -F babel.cfg -k N_ --no-wrap --sort-by-file \
	  --project widget-server -o $(POT) .
	grep -v '^"POT-Creation-Date:' $(POT).before > $(POT).a; \
	  grep -v '^"POT-Creation-Date:' $(POT) > $(POT).b; \
	  if cmp -s $(POT).a $(POT).b; then mv $(POT).before $(POT); else rm $(POT).before; fi; \
	  rm -f $(POT).a $(POT).b
	$(BIN)/pybabel --quiet update -i $(POT) \
	  -d widget_server/i18n/translations --no-wrap --no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf $(VENV) .venv-latest .venv-lock build dist *.egg-info .pytest_cache .mypy_cache \
	  .ruff_cache .coverage .coverage.*
