# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := wsgi:app

.PHONY: run test install install-test assets translations migrate lint format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

install: $(VENV)/.installed assets translations

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install-test: install $(VENV)/.installed-test

# Front-end packages come from the npm registry and are served by the app (no CDN).
saas/static/vendor/.built: package.json
	npm install --no-audit --no-fund --silent
	mkdir -p saas/static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js saas/static/vendor/
	cp node_modules/echarts/dist/echarts.min.js saas/static/vendor/
	cp node_modules/jsqr/dist/jsQR.js saas/static/vendor/jsqr.js
	touch $@

assets: saas/static/vendor/.built

translations: $(VENV)/.installed
	$(BIN)/pybabel compile -d saas/translations

migrate: install
	$(BIN)/flask db upgrade

run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo
	@echo "Serving on http://127.0.0.1:$(PORT)  (demo street: http://127.0.0.1:$(PORT)/demo/login)"
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

# Debian's chromium drives the browser tests (no browser download).
/usr/bin/chromium:
	@if [ "$$(id -u)" = 0 ]; then \
	  (apt-get install -y -qq chromium fonts-noto-cjk >/dev/null 2>&1 || \
	   (apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk >/dev/null)); \
	else echo "chromium missing: sudo apt-get install chromium (browser tests will skip)"; fi

lint: install-test
	$(BIN)/ruff check saas tenants tests bench wsgi.py
	$(BIN)/ruff format --check saas tenants tests bench wsgi.py

format: install-test
	$(BIN)/ruff format saas tenants tests bench wsgi.py
	$(BIN)/ruff check --fix saas tenants tests bench wsgi.py

test: install-test /usr/bin/chromium lint
	$(BIN)/pytest $(PYTEST_ARGS)

# Not part of make test: a benchmark against a bulk-loaded PostgreSQL (see docs/performance.md).
bench: install-test
	@command -v wrk >/dev/null || apt-get install -y -qq wrk
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules saas/static/vendor instance/saas.db
