# Token Factory Planner. Needs only python3 (3.11+) and the package registry.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

RUN_STAMP := $(VENV)/.installed-run

# `make run` installs what running needs; `make test` adds the dev tools (pytest, ruff, mypy).
# pip -qq: errors only (a machine's own pip configuration can print a warning per package).
$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -qq --upgrade pip
	$(BIN)/python -m pip install -qq -e .
	touch $(RUN_STAMP)

$(STAMP): pyproject.toml $(RUN_STAMP)
	$(BIN)/python -m pip install -qq -e '.[dev]'
	touch $(STAMP)

run: $(RUN_STAMP)
	$(BIN)/plan solve instances/1gw.yaml

lint: $(STAMP)
	$(BIN)/ruff check planner tests bench examples docs
	$(BIN)/ruff format --check planner tests bench examples docs
	$(BIN)/mypy planner

test: $(STAMP) lint
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python bench/run.py

# Never follows links: each entry of outputs/ (a link included) is removed itself, not its target.
clean:
	rm -rf $(VENV) .pytest_cache
	find outputs -mindepth 1 -maxdepth 1 ! -name README.md -exec rm -rf {} +
