# The two commands of the README, `make dev` and `make test`. Both work on a fresh machine with
# only Python 3.11+ and pip: uv is installed into .tools/ when it is not on PATH, then the locked
# workspace is synced (`uv sync --frozen`).
SHELL := /bin/bash
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.tools/bin/uv)
export PYTHONDONTWRITEBYTECODE := 1
# Trust the system certificate store (proxies with their own CA), like pip does here.
export UV_NATIVE_TLS ?= 1
# The Pulumi program builds Lambda layers with uv: keep the uv in use on PATH.
export PATH := $(dir $(UV)):$(PATH)
export UV_PYTHON := $(shell command -v $(PYTHON))

.PHONY: dev test lint bench plan sync browser

$(CURDIR)/.tools/bin/uv:
	$(PYTHON) -m venv $(CURDIR)/.tools
	$(CURDIR)/.tools/bin/python -m pip install --quiet --disable-pip-version-check "uv>=0.9,<0.14"

sync: $(UV)
	@$(UV) sync --frozen --quiet

dev: sync ## the local stack: API on http://127.0.0.1:8000 (ARGS="--port 9000")
	$(UV) run --frozen --no-sync paypulse dev $(ARGS)

# Debian's chromium for the test that loads /_local/ in a headless browser (CI: a fresh machine,
# root, with Debian's registry). Elsewhere without root that test skips (it fails when CI=true).
browser:
	@if command -v chromium >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		echo "Installing Debian's chromium (about 100 MB, a minute)…"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; \
	else echo "make browser: chromium is missing; run 'sudo make browser' (the /_local/ page test skips without it)"; fi

test: sync browser ## lint, format check, type check and the whole test suite
	$(UV) run --frozen --no-sync ruff check .
	$(UV) run --frozen --no-sync ruff format --check .
	$(UV) run --frozen --no-sync mypy packages/common/src packages/gmail/src packages/parsers/src packages/devkit/src services/auth/src services/invoices/src services/notifications/src services/users/src
	$(UV) run --frozen --no-sync pytest $(PYTEST_ARGS)

bench: sync ## the benchmark suite (prints a table, writes benchmarks/results/latest.json)
	$(UV) run --frozen --no-sync python -m benchmarks $(ARGS)

plan: sync ## the Pulumi stack offline under mocks, with policy findings
	$(UV) run --frozen --no-sync paypulse plan $(ARGS)
