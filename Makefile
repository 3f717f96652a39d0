# Two commands for a fresh machine: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
UV_VERSION := 0.13.9
PG_URL ?= postgres://postgres@127.0.0.1:5432/accord
PYTEST_ARGS ?=

.PHONY: install demo test test-sqlite test-pg test-browser browser-deps gettext-deps lint lock messages clean

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(BIN)/uv pip install --python $(BIN)/python --quiet --compile-bytecode -r requirements.lock
	$(BIN)/uv pip install --python $(BIN)/python --quiet --no-deps -e .
	# Bytecode compiled once here: with PYTHONDONTWRITEBYTECODE set (as on our CI machines)
	# every process would otherwise compile numpy, pandas, scikit-learn and Django anew
	# (~7 s of CPU per CLI command, worker or test server; 1.9 s with it).
	$(BIN)/python -m compileall -q -j 0 accord config >/dev/null
	touch $(STAMP)

install: $(STAMP)

## Install everything, load the simulated company and serve it on http://127.0.0.1:8000
demo: install
	$(BIN)/accord demo

## Install everything and run the whole suite on SQLite, browser tests included
test: install browser-deps gettext-deps
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(BIN)/pytest $(PYTEST_ARGS)

## The suite without the browser tests (SQLite)
test-sqlite: install gettext-deps
	$(BIN)/pytest -m "not browser" $(PYTEST_ARGS)

## The suite without the browser tests, on PostgreSQL
test-pg: install gettext-deps
	DATABASE_URL=$(PG_URL) $(BIN)/pytest -m "not browser" $(PYTEST_ARGS)

## Browser tests only (real Chromium driven by Playwright)
test-browser: install browser-deps
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(BIN)/pytest -m browser $(PYTEST_ARGS)

## Debian's Chromium for the browser tests (Playwright's own browser download is not used),
## and axe-core (the accessibility checker the browser tests inject) from npm, pinned.
AXE_VERSION := 4.10.3
AXE_JS := $(VENV)/node/node_modules/axe-core/axe.min.js
browser-deps: $(AXE_JS)
	@test -x /usr/bin/chromium || { \
	  echo "Installing Debian's chromium for the browser tests..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

$(AXE_JS):
	@command -v npm >/dev/null || { \
	  echo "Installing Debian's npm for axe-core..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; }
	npm install --prefix $(VENV)/node --no-save --no-audit --no-fund --loglevel=error axe-core@$(AXE_VERSION)

## GNU gettext: `make messages` and the catalogue check (accord/web/tests/test_locale.py)
gettext-deps:
	@command -v msgfmt >/dev/null || { \
	  echo "Installing GNU gettext for the translation catalogue..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null; }

# The production environment documented in README ("Security and privacy"); `check --deploy`
# must print no warning with it (a throwaway key: the check only judges its strength).
DEPLOY_ENV := ACCORD_SECRET_KEY=k7Qw2-vX9pL3mN8rT5yB1cF6hJ4sD0gA-zE7uI2oP9qW3eR5tY8uI1oP4aS6dF \
  ACCORD_ALLOWED_HOSTS=crm.example.com ACCORD_CSRF_TRUSTED_ORIGINS=https://crm.example.com \
  ACCORD_SECURE_COOKIES=1 ACCORD_SSL_REDIRECT=1 ACCORD_HSTS_SECONDS=31536000 \
  ACCORD_HSTS_INCLUDE_SUBDOMAINS=1 ACCORD_HSTS_PRELOAD=1 ACCORD_TRUSTED_PROXY_COUNT=1

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy accord
	$(DEPLOY_ENV) $(BIN)/python -m django check --deploy --fail-level WARNING --settings=config.settings

## Re-pin requirements.lock after changing pyproject.toml
lock: install
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock

## Refresh and compile the translation catalogues
messages: install gettext-deps
	cd accord && ../$(BIN)/django-admin makemessages -l ru --no-obsolete --settings=config.settings --pythonpath=..
	cd accord && ../$(BIN)/django-admin compilemessages --settings=config.settings --pythonpath=..

clean:
	rm -rf $(VENV) var
