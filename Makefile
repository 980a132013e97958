# Two commands for a fresh machine (see README.md):
#   make run    install into .venv, fill opora.db with demo data, start http://127.0.0.1:8000/
#   make test   install the test tools (and Debian's Chromium for browser tests), run the whole suite
#   make audit  known vulnerabilities of the packages in requirements.lock (pip-audit against PyPI)
#   make lock   resolve requirements.lock again from pyproject.toml (pip-tools' pip-compile)
# Both install the exact versions of requirements.lock, then the project itself without resolving again;
# WeasyPrint's system libraries (Pango, HarfBuzz) and a Cyrillic font come from apt-get when missing.
# With CI=true (or OPORA_TEST_POSTGRES=1) the suite also runs against PostgreSQL on 127.0.0.1:5432.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint audit bench install install-test lock system-libs

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# requirements.lock holds the runtime and the test dependencies: one set of versions, the one CI tested
$(VENV)/.installed: pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

install: $(VENV)/.installed system-libs

# WeasyPrint (PDF acts) loads Pango through the system's dynamic linker; the acts need a Cyrillic font
system-libs:
	@ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 && fc-list 2>/dev/null | grep -qi dejavu || { \
	  echo "Installing WeasyPrint's system libraries (Pango) and the DejaVu fonts"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fontconfig fonts-dejavu-core >/dev/null; }

# the exact versions of every dependency (with the test extra), resolved again from pyproject.toml
lock: | $(BIN)/python
	$(BIN)/pip install --quiet 'pip-tools>=7.4'
	$(BIN)/pip-compile --quiet --extra test --strip-extras --no-emit-index-url --no-emit-find-links \
	  --output-file requirements.lock pyproject.toml

# axe-core for the browser tests' accessibility scan: from npm, into tests/e2e/axe only (never served by the app)
tests/e2e/axe/node_modules/axe-core/axe.min.js: tests/e2e/axe/package.json tests/e2e/axe/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "Installing Debian's npm for the test assets"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; }
	npm ci --prefix tests/e2e/axe --no-audit --no-fund --silent
	touch $@

install-test: install tests/e2e/axe/node_modules/axe-core/axe.min.js
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's Chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

run: install
	$(BIN)/opora demo --if-empty
	$(BIN)/opora serve --host $(HOST) --port $(PORT)

test: install-test
	$(BIN)/python -m pytest -n 3 -q --durations=10

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/mypy

# known vulnerabilities of requirements.lock's packages (PyPI's data through pip-audit); says so when it cannot check
audit: install-test
	$(BIN)/python scripts/audit.py $(AUDIT_FLAGS)

bench: install
	$(BIN)/opora bench
