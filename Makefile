# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := wsgi:app

.PHONY: run test install install-test lock assets translations migrate lint format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Python packages come from the lock (exact versions, each file checked against its hash); the
# project itself is installed on top without resolving anything. A changed lock reinstalls.
$(VENV)/.installed: requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

install: $(VENV)/.installed assets translations

$(VENV)/.installed-test: $(VENV)/.installed requirements-test.txt
	$(BIN)/pip install --quiet --require-hashes -r requirements-test.txt
	touch $@

install-test: install $(VENV)/.installed-test

# The lock is compiled from pyproject.toml by pip-tools, which lives in a venv of its own so that it
# never enters the app's lock. Existing pins are kept: `make lock` after adding a dependency pins
# only what is new; UPGRADE=flask-limiter re-resolves that one package (UPGRADE="rq redis" several,
# UPGRADE=all everything). The test lock (app + test extras) is compiled first and the app lock is
# constrained by it, so the two never disagree; the upgrade flags go to the first only, because
# pip-compile adds a package named in --upgrade-package to its output even when nothing needs it.
LOCK_VENV := .venv-lock
PIP_TOOLS := pip==26.3 pip-tools==7.7.0
PIP_COMPILE = CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_VENV)/bin/pip-compile --quiet \
	--generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links --no-emit-trusted-host
UPGRADE_FLAGS = $(if $(filter all,$(UPGRADE)),--upgrade,$(foreach p,$(UPGRADE),--upgrade-package $(p)))

$(LOCK_VENV)/bin/pip-compile:
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/pip install --quiet $(PIP_TOOLS)

lock: $(LOCK_VENV)/bin/pip-compile
	$(PIP_COMPILE) $(UPGRADE_FLAGS) --extra test --output-file requirements-test.txt pyproject.toml
	$(PIP_COMPILE) --constraint requirements-test.txt --output-file requirements.txt pyproject.toml

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

# The whole suite runs on two workers (pytest-xdist; each has its own PostgreSQL database and Redis
# db, see tests/conftest.py), the browser tests all on one of them (--dist loadgroup: one demo
# server). A run narrowed with PYTEST_ARGS stays in one process unless PYTEST_WORKERS says otherwise.
PYTEST_WORKERS ?= $(if $(strip $(PYTEST_ARGS)),0,2)

test: install-test /usr/bin/chromium lint
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

# Not part of make test: a benchmark against a bulk-loaded PostgreSQL (see docs/performance.md).
bench: install-test
	@command -v wrk >/dev/null || apt-get install -y -qq wrk
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(LOCK_VENV) node_modules saas/static/vendor instance/saas.db
