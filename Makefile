# Kennisborg: `make run` serves the registry with demo data; `make test` runs linters and tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
VENDOR := static/vendor
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run serve test lint install assets translations extract-messages bench bench-small clean e2e-deps loadtest fuzz

# A terminal reads plain log lines better than JSON (production keeps JSON: docs/DEPLOYMENT.md).
run: export REGISTRY_LOG_FORMAT ?= text
run: install assets translations
	$(BIN)/registry db upgrade
	$(BIN)/registry demo --if-empty
	@echo
	@echo "Kennisborg is running on http://$(HOST):$(PORT) — log in with one of the accounts above"
	@echo "The admin account sets up two-factor authentication at its first login: have an authenticator app"
	@echo "on your phone ready (FreeOTP, Microsoft or Google Authenticator; the key is also shown as text)."
	@echo "(lost a password? .venv/bin/registry users set-password --email beheerder@voorbeeldstad.example;"
	@echo " lost the phone? .venv/bin/registry users reset-2fa --email beheerder@voorbeeldstad.example). Stop with Ctrl+C."
	$(BIN)/registry run --host $(HOST) --port $(PORT)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

install: $(STAMP)

$(TEST_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

# The NL Design System stylesheets, copied from npm packages: nothing is loaded from a CDN.
assets: node_modules/.package-lock.json
	mkdir -p $(VENDOR)/utrecht $(VENDOR)/voorbeeld-design-tokens
	cp node_modules/@utrecht/component-library-css/dist/index.css $(VENDOR)/utrecht/index.css
	cp node_modules/@nl-design-system-unstable/voorbeeld-design-tokens/dist/theme.css \
	   $(VENDOR)/voorbeeld-design-tokens/theme.css
	mkdir -p $(VENDOR)/swagger-ui
	cp node_modules/swagger-ui-dist/swagger-ui.css node_modules/swagger-ui-dist/swagger-ui-bundle.js \
	   node_modules/swagger-ui-dist/LICENSE $(VENDOR)/swagger-ui/

translations: $(STAMP)
	$(BIN)/pybabel compile -d registry/translations 2>&1 | grep -v '^compiling' || true

# Refresh the catalogues after changing user-visible strings, then translate the new entries.
extract-messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg --ignore-dirs=".* node_modules __pycache__" -k _l -k lazy_gettext -k N_ --no-location --sort-output \
	  --project Kennisborg -o registry/translations/messages.pot .
	$(BIN)/pybabel update -N -i registry/translations/messages.pot -d registry/translations --width 100

# Browser tests use Debian's Chromium; Playwright never downloads a browser here.
e2e-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || echo "chromium could not be installed: browser tests will be skipped"; }

# Ruff, the formatter check, mypy (strict on the pure rules; elsewhere no error that is not in
# the committed mypy-baseline.txt) and the import contracts: .importlinter (layers inside each
# feature, no feature using another's pages, core knowing no feature, pure rules) and no
# import cycles (scripts/import_cycles.py). .pre-commit-config.yaml runs the same.
lint: $(TEST_STAMP)
	$(BIN)/ruff check registry tests scripts
	$(BIN)/ruff format --check registry tests scripts
	$(BIN)/python scripts/mypy_baseline.py
	$(BIN)/lint-imports
	$(BIN)/python scripts/import_cycles.py

# The suite runs in one process per core (pytest-xdist), each with a database of its own;
# `make test PYTEST_WORKERS=0` runs it in this process.
PYTEST_WORKERS ?= auto
test: $(TEST_STAMP) assets translations e2e-deps lint
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# A bounded load test (at most 3 minutes) against `registry serve` on 127.0.0.1: SQLite by
# default, PostgreSQL when DATABASE_URL is set. Fails on any server error. Not part of `make test`.
loadtest: $(TEST_STAMP) assets translations
	$(BIN)/python scripts/loadtest/run.py

# Production-style serving (gunicorn) on this machine; see docs/DEPLOYMENT.md.
serve: install assets translations
	$(BIN)/registry db upgrade
	$(BIN)/registry serve --host $(HOST) --port $(PORT)
# Schemathesis against a live server on 127.0.0.1 (its own database: a temporary SQLite file,
# or FUZZ_DATABASE_URL, whose schema is reset), every check, fixed examples and seed.
FUZZ_EXAMPLES ?= 5
FUZZ_SEED ?= 2026
fuzz: $(TEST_STAMP) translations
	$(BIN)/python scripts/fuzz_api.py --max-examples $(FUZZ_EXAMPLES) --seed $(FUZZ_SEED)

bench: $(STAMP)
	$(BIN)/registry bench

clean:
	rm -rf $(VENV) node_modules $(VENDOR) registry/translations/*/LC_MESSAGES/*.mo

bench-small: $(STAMP)
	$(BIN)/registry bench --small
