# The two commands of the README. Both work on a fresh machine with Python 3.11 and pip:
# they install uv when missing, then sync the locked workspace.
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: dev test lint bench plan sync uv

uv:
	@command -v uv >/dev/null 2>&1 || test -x "$(UV)" || python3 -m pip install --user --quiet "uv>=0.5,<0.14"

sync: uv
	@$(UV) sync --frozen --quiet

dev: sync ## run the local stack (API on http://127.0.0.1:8000)
	$(UV) run --frozen paypulse dev $(ARGS)

test: sync ## lint + the whole test suite
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen pytest $(PYTEST_ARGS)

bench: sync
	$(UV) run --frozen python -m benchmarks $(ARGS)

plan: sync
	$(UV) run --frozen paypulse plan $(ARGS)
