# The usual tasks, run with the README's virtual environment (.venv; `make VENV=/path test` for another).
# `make ci` is what .ci/run checks before the wheel checks: lint, type check, the whole suite.

VENV ?= .venv
BIN := $(VENV)/bin
PYTHON := $(BIN)/python

.PHONY: help test test-core lint format typecheck bench ci

help:
	@echo "make test       the whole suite (pytest)"
	@echo "make test-core  the tests that need neither torch nor a browser"
	@echo "make lint       ruff format --check and ruff check"
	@echo "make format     ruff format and ruff check --fix"
	@echo "make typecheck  mypy on aueb/"
	@echo "make bench      every benchmarks/*.py, one after another"
	@echo "make ci         lint, typecheck and test"

test:
	$(PYTHON) -m pytest

test-core:
	$(PYTHON) -m pytest -m "not torch and not browser"

lint:
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

format:
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck:
	$(BIN)/mypy

bench:
	@set -e; for script in benchmarks/*.py; do echo "+ $(PYTHON) $$script"; $(PYTHON) $$script; done

ci: lint typecheck test
