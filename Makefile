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

.PHONY: run test bench bench-canvas bench-publish bench-calls install frontend pytest vitest e2e agreement clean system-deps

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

# The local Asterisk starts when it can (root, debootstrap); it reads tenant devices from the
# app's database (PJSIP realtime: a change is live on commit) and the app applies the rest
# of the config to it over AMI.
run: install frontend
	@db_url="$$($(BIN)/pbxflow database-url 2>/dev/null)"; \
	if PBXFLOW_PJSIP_REALTIME="$${PBXFLOW_PJSIP_REALTIME:-$$db_url}" asterisk/sandbox up; then \
	  export PBXFLOW_PJSIP_REALTIME="$${PBXFLOW_PJSIP_REALTIME:-$$db_url}"; \
	  export PBXFLOW_AMI_URL="$${PBXFLOW_AMI_URL:-ami://pbxflow:$${PBXFLOW_AMI_SECRET:-pbxflow}@127.0.0.1:$${PBXFLOW_AMI_PORT:-5038}}"; \
	else echo "asterisk: not started (see above); the API runs without it"; fi; \
	exec $(BIN)/pbxflow serve --static frontend/dist --demo

system-deps:
	bash tests/system-deps

pytest: install frontend system-deps
	bash tests/run-pytest

vitest: node_modules/.installed
	npm test

# Playwright in Debian's Chromium against `pbxflow serve` with the built app and its own Asterisk
# sandbox (tests/run-e2e; root; SIP 5590 / AMI 5568 / RTP 9000-9999, PBXFLOW_E2E_* to change).
e2e: install frontend node_modules/.installed system-deps
	bash tests/run-e2e

test: vitest pytest e2e

# A larger random sweep of the simulator-vs-Asterisk agreement property (real calls; root).
agreement: install system-deps
	PBXFLOW_AGREEMENT_EXAMPLES=$${PBXFLOW_AGREEMENT_EXAMPLES:-100} bash tests/run-pytest -q tests/test_scheme_calls.py -k simulation

bench: install
	$(BIN)/python -m bench

# Routing schemes: publish-to-live latency on a real Asterisk with 1,000 tenants vs 1
# (needs root: its own sandbox on SIP 5260 / AMI 5238). Not part of `make test` or `make bench`.
# Options: make bench-publish BENCH_ARGS="--quick" (or --tenants N --publishes N --json PATH).
bench-publish: install
	$(BIN)/python -m bench.scheme_publish $(BENCH_ARGS)

# Calls ingestion with real calls: SIPp through a real Asterisk at a fixed rate, events/s and
# the hangup -> history row lag (needs root: its own sandbox on SIP 5471 / AMI 5449).
# Not part of `make test` or `make bench`. Options: make bench-calls BENCH_ARGS="--quick"
# (or --rate N --calls N --json PATH).
bench-calls: install
	$(BIN)/python -m bench.ingest_calls $(BENCH_ARGS)

# The web app: production bundle sizes (raw + gzip per chunk) and the scheme canvas's frame
# times while dragging (300 nodes / 400 edges vs 20 nodes) in Chromium. Not part of `make test`.
bench-canvas: install frontend node_modules/.installed
	bash bench/canvas.sh

clean:
	rm -rf $(VENV) node_modules frontend/dist
