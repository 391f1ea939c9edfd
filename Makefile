# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/unionflow up

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

test: $(STAMP) lint
	$(BIN)/python -m pytest -q --durations=25 $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python bench/ledger.py

.PHONY: bench-read
bench-read: $(STAMP)
	$(BIN)/python bench/read_side.py

.PHONY: bench-congress
bench-congress: $(STAMP)
	$(BIN)/python bench/congress.py

clean:
	rm -rf $(VENV) var .pytest_cache
