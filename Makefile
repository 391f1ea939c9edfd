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

# The browser tests drive Debian's chromium through Playwright (whose own browser download
# cannot work offline); apt installs it, with CJK fonts, only when it is missing. CI runs
# as root on Debian; elsewhere sudo is asked for.
CHROMIUM := /usr/bin/chromium
SUDO     := $(if $(filter 0,$(shell id -u)),,sudo)
APT      := DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get
# WeasyPrint (the PDF exports) renders with Pango; fonts-noto-cjk gives both the browser
# and the PDFs their Chinese fonts.
APT_PKGS := chromium fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0

$(CHROMIUM):
	$(APT) install -y -q -o DPkg::Lock::Timeout=600 $(APT_PKGS) \
	  || { $(APT) update -q && $(APT) install -y -q -o DPkg::Lock::Timeout=600 $(APT_PKGS); }

.PHONY: browser
browser: $(CHROMIUM)

# The suite in PYTEST_WORKERS processes (pytest-xdist): on these 2-core machines 2 of them
# take it from about 19 minutes to about 14. PYTEST_WORKERS=0 runs it in one process.
PYTEST_WORKERS ?= 2

test: $(STAMP) lint $(CHROMIUM)
	$(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) --durations=25 $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python bench/ledger.py

.PHONY: bench-read
bench-read: $(STAMP)
	$(BIN)/python bench/read_side.py

.PHONY: bench-congress
bench-congress: $(STAMP)
	$(BIN)/python bench/congress.py

.PHONY: bench-awards
bench-awards: $(STAMP)
	$(BIN)/python bench/awards.py

.PHONY: bench-contest
bench-contest: $(STAMP)
	$(BIN)/python bench/contest.py

.PHONY: bench-web
bench-web: $(STAMP)
	$(BIN)/python bench/web.py

.PHONY: bench-web-asgi
bench-web-asgi: $(STAMP)
	$(BIN)/python bench/web_asgi.py

.PHONY: bench-campaign
bench-campaign: $(STAMP)
	$(BIN)/python bench/campaign.py

clean:
	rm -rf $(VENV) var .pytest_cache
