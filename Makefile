# Two commands for a fresh machine (see README.md):
#   make run    install into .venv, fill opora.db with demo data, start http://127.0.0.1:8000/
#   make test   install the test tools (and Debian's Chromium for browser tests), run the whole suite
#   make audit  known vulnerabilities of the installed packages (pip-audit against PyPI)
# With CI=true (or OPORA_TEST_POSTGRES=1) the suite also runs against PostgreSQL on 127.0.0.1:5432.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint audit bench install install-test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

# axe-core for the browser tests' accessibility scan: from npm, into tests/e2e/axe only (never served by the app)
tests/e2e/axe/node_modules/axe-core/axe.min.js: tests/e2e/axe/package.json tests/e2e/axe/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "Installing Debian's npm for the test assets"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; }
	npm ci --prefix tests/e2e/axe --no-audit --no-fund --silent
	touch $@

install-test: $(VENV)/.installed-test tests/e2e/axe/node_modules/axe-core/axe.min.js
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's Chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

run: install
	$(BIN)/opora demo --if-empty
	$(BIN)/opora serve --host $(HOST) --port $(PORT)

test: install-test
	$(BIN)/python -m pytest -n 2 -q

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/mypy

# known vulnerabilities of the installed packages (PyPI's data through pip-audit); says so when it cannot check
audit: install-test
	$(BIN)/python scripts/audit.py $(AUDIT_FLAGS)

bench: install
	$(BIN)/opora bench
