# One file runs every chore. Only Python 3.11+ is needed; everything else installs itself.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: demo test lint typecheck unit test-postgres install install-dev bench clean catalogs

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/activate
	$(BIN)/pip install --quiet -e .

install-dev: $(BIN)/activate
	$(BIN)/pip install --quiet -e '.[test]'

## make demo: install into .venv, start the sandbox, the demo account and the demo app
demo: install
	$(BIN)/widget-server demo --port $(PORT)

## make test: ruff + mypy (strict) + pytest (unit, sandbox integration, browser, snippets)
test: install-dev lint typecheck unit

lint:
	$(BIN)/ruff check widget_server tests snippets bench

typecheck:
	$(BIN)/mypy

unit:
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

## make test-postgres: the same suite against PostgreSQL (127.0.0.1:5432, database test)
test-postgres: install-dev
	WIDGET_SERVER_TEST_DATABASE_URL=$${WIDGET_SERVER_TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} \
	  $(BIN)/pytest -p no:randomly -m "not browser" $(PYTEST_ARGS)

bench: install-dev
	$(BIN)/python bench/run_all.py

catalogs: install-dev
	$(BIN)/pybabel extract -F babel.cfg -o widget_server/i18n/messages.pot .
	$(BIN)/pybabel update -i widget_server/i18n/messages.pot -d widget_server/i18n/translations

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
