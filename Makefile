# Every command of the README as a make target. They work on a fresh machine with only Python
# 3.11+ and pip: uv is installed into .tools/ when it is not on PATH, then the locked workspace is
# synced (`uv sync --frozen`). `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.tools/bin/uv)
export PYTHONDONTWRITEBYTECODE := 1
# Trust the system certificate store (proxies with their own CA), like pip does here.
export UV_SYSTEM_CERTS ?= 1
# The same uv for everything started from here: the Pulumi program (Pulumi.yaml `toolchain: uv`)
# and the layer builds (`make build`) run `uv` from PATH.
export PATH := $(dir $(UV)):$(PATH)
# The interpreter the venv is built from, resolved through shims (pyenv): uv compares this path
# with the venv's own interpreter and warns "incompatible environment" when they differ.
export UV_PYTHON := $(shell $(PYTHON) -c 'import os, sys; print(os.path.realpath(sys.executable))')
RUN := $(UV) run --frozen --no-sync

PORT ?= 8000
STACK ?= dev
CATEGORY ?=

.PHONY: help sync browser dev test lint typecheck pytest bench plan build parse accuracy preview up

help: ## this list
	@grep -hE '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 12

$(CURDIR)/.tools/bin/uv:
	$(PYTHON) -m venv $(CURDIR)/.tools
	$(CURDIR)/.tools/bin/python -m pip install --disable-pip-version-check "uv>=0.11,<0.14"

# The first sync (no .venv yet) shows uv's progress; later ones only speak when they change
# something or fail.
sync: $(UV) ## install the locked workspace into .venv
	@if [ -d .venv ]; then $(UV) sync --frozen --quiet; else $(UV) sync --frozen; fi

dev: sync ## the local stack on http://127.0.0.1:8000 (make dev PORT=9000)
	$(RUN) paypulse dev --port $(PORT) $(ARGS)

# Debian's chromium for the test that loads /_local/ in a headless browser (CI: a fresh machine,
# root, with Debian's registry). Elsewhere without root that test skips (it fails when CI=true).
browser:
	@if command -v chromium >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		echo "Installing Debian's chromium (about 100 MB, a minute)…"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; \
	else echo "make browser: chromium is missing; run 'sudo make browser' (the /_local/ page test skips without it)"; fi

lint: sync ## ruff lint and format check
	$(RUN) ruff check .
	$(RUN) ruff format --check .

typecheck: sync ## mypy on packages/ and services/
	$(RUN) mypy packages/common/src packages/gmail/src packages/parsers/src packages/devkit/src services/auth/src services/invoices/src services/notifications/src services/users/src

pytest: sync ## the test suite only (PYTEST_ARGS="-k login -x")
	$(RUN) pytest $(PYTEST_ARGS)

test: lint typecheck browser pytest ## lint, format check, type check and the whole test suite (CI: .ci/run)

bench: sync ## the benchmark suite (prints a table, writes benchmarks/results/latest.json)
	$(RUN) python -m benchmarks $(ARGS)

build: sync ## Lambda layers + code zips and their manifest, before pulumi preview/up (STACK=dev)
	$(RUN) paypulse build --stack $(STACK) $(ARGS)

plan: sync ## the Pulumi stack offline under mocks, with policy findings (STACK=dev)
	$(RUN) paypulse plan --stack $(STACK) $(ARGS)

parse: sync ## parse one invoice file and print JSON (make parse FILE=x.pdf [CATEGORY=travel])
	@test -n "$(FILE)" || { echo "usage: make parse FILE=path [CATEGORY=sub-type]" >&2; exit 2; }
	$(RUN) paypulse parse "$(FILE)" $(if $(CATEGORY),--category $(CATEGORY)) $(ARGS)

accuracy: sync ## score extraction on a corpus folder (make accuracy DIR=../shared/corpus)
	@test -n "$(DIR)" || { echo "usage: make accuracy DIR=corpus-folder" >&2; exit 2; }
	$(RUN) paypulse accuracy "$(DIR)" $(ARGS)

# `pulumi` itself is not installed by this Makefile (see the README's deployment section); these
# run it with this Makefile's uv first on PATH, after `make build` wrote the artifacts' manifest.
preview: build ## pulumi preview with the policy pack (STACK=dev)
	pulumi preview --stack $(STACK) --policy-pack policy $(ARGS)

up: build ## pulumi up with the policy pack (STACK=dev)
	pulumi up --stack $(STACK) --policy-pack policy $(ARGS)
