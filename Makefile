# Sales Scaler. Only python3 and make are assumed: everything else is bootstrapped here.
SHELL := /bin/bash
PY ?= python3
BOOT := .venv-boot
UV := $(BOOT)/bin/uv
VENV := .venv
RUN := $(UV) run --frozen --no-sync
export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: help setup demo test test-sqlite check bench up clean

help:
	@echo "make demo    run the whole product once on embedded defaults (SQLite, fake channels)"
	@echo "make test    run the test suite (SQLite, and PostgreSQL when reachable / in CI)"
	@echo "make check   ruff + mypy --strict"
	@echo "make bench   run every benchmark under bench/ (figures in var/bench/)"
	@echo "make up      Prefect server + UI on :4200, every deployment served, the seller API"

$(UV):
	$(PY) -m venv $(BOOT)
	$(BOOT)/bin/pip install --quiet --disable-pip-version-check "uv==0.13.9"

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --quiet
	@touch $@

setup: $(VENV)/.synced

demo: setup
	$(RUN) python -m demo

test: setup
	$(RUN) pytest

check: setup
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy

bench: setup
	$(RUN) python -m bench

up: setup
	$(RUN) python -m deployments.up

clean:
	rm -rf var/demo var/bench
