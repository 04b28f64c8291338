# Two commands do all the set-up on a fresh machine (Python 3.11, pip, npm):
#   make run   - embedded default (SQLite, in-memory channel layer, eager Celery), demo loaded
#   make test  - the whole test suite: ruff, eslint, JS (node --test), pytest (PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set)
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-js setup deps-test lint lint-js serve worker bench clean messages

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --silent --no-audit --no-fund
	touch $@

setup: $(VENV)/.installed node_modules/.installed

# Hashed, gzip and brotli static files, served by WhiteNoise with DEBUG off (the default;
# `DEBUG=1 make run` for tracebacks). Collected again only when a source changed.
staticfiles/staticfiles.json: $(VENV)/.installed node_modules/.installed $(shell find static -type f) config/storage.py
	DEBUG=0 $(PY) manage.py collectstatic --noinput -v0

run: setup staticfiles/staticfiles.json
	$(PY) manage.py migrate --noinput
	SITE_URL=$${SITE_URL:-http://$(HOST):$(PORT)} $(PY) manage.py load_demo
	$(MAKE) --no-print-directory serve

# The server exactly as `make run` starts it (the CI smoke test calls this target too).
serve:
	$(VENV)/bin/uvicorn config.asgi:application --host $(HOST) --port $(PORT) --no-access-log --ws-per-message-deflate false --ws-max-size 65536

worker: setup
	$(VENV)/bin/celery -A config worker --loglevel=INFO --concurrency=2

# The Debian browser for the e2e tests (never `playwright install`: no downloads here).
deps-test: setup
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core poppler-utils >/dev/null; \
	  else echo "chromium missing: sudo apt-get install chromium (e2e tests will be skipped)"; fi; }

lint: setup
	$(VENV)/bin/ruff check .

# The browser code and its tests (eslint.config.js; eslint is a devDependency).
lint-js: node_modules/.installed
	node_modules/.bin/eslint static/js tests/js eslint.config.js

# The browser code's own tests (static/js, no browser: fakes in tests/js/fakes.mjs; the
# board scenarios in tests/js/scenarios/ are recorded by tests/mapping/test_op_scenarios.py).
# Run here only, not again from pytest. The arrange test uses elkjs from node_modules.
test-js: node_modules/.installed
	node --test tests/js/

test: deps-test lint lint-js test-js
	$(PY) manage.py makemigrations --check --dry-run >/dev/null
	$(VENV)/bin/pytest $(PYTEST_ARGS)

bench: setup
	$(PY) bench/broadcast.py $(BENCH_ARGS)

messages: setup
	$(PY) manage.py makemessages -l ru -l en --ignore=node_modules --ignore=.venv
	$(PY) manage.py makemessages -d djangojs -l ru -l en --ignore=node_modules --ignore=.venv --ignore=staticfiles
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules

clean:
	rm -rf $(VENV) node_modules db.sqlite3 staticfiles
