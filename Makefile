# pbxflow — two entry points: `make run` and `make test` (each installs what it needs).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Download caches live outside the repository.
CACHE ?= $(HOME)/.cache/pbxflow
export PIP_CACHE_DIR ?= $(CACHE)/pip
export npm_config_cache ?= $(CACHE)/npm
export PBXFLOW_DATA_DIR ?= $(CURDIR)/.data

.PHONY: run test bench install frontend pytest vitest clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	touch $@

node_modules/.installed: package.json $(wildcard package-lock.json)
	if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
	touch $@

FRONTEND_SRC := $(shell find frontend -path frontend/dist -prune -o -type f -print 2>/dev/null)
frontend/dist/index.html: node_modules/.installed $(FRONTEND_SRC)
	npm run build
	touch $@

install: $(VENV)/.installed
frontend: frontend/dist/index.html

run: install frontend
	@asterisk/sandbox up 2>&1 | sed 's/^/asterisk: /' || echo "asterisk: not started (see above); the API runs without it"
	$(BIN)/pbxflow serve --static frontend/dist --demo

pytest: install frontend
	bash tests/run-pytest

vitest: node_modules/.installed
	npm test

test: vitest pytest

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) node_modules frontend/dist
