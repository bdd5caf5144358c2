# ungraph — one entry point for humans and CI. Every target sets up what it needs first.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
HOST ?= 127.0.0.1
STORE ?= var/store
DUMPS ?= var/dumps
PYTEST_ARGS ?=
# Tests run in one process per CPU (pytest-xdist); TEST_WORKERS=0 runs them in this process.
TEST_WORKERS ?= auto
# YASGUI for the query editor: installed from the npm registry, served by the application.
VENDOR := src/ungraph/web/static/vendor/yasgui
YASGUI_BUILD := node_modules/@zazuko/yasgui/build
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: help install run test lint format bench docs clean system-deps ui-assets engine-oxigraph engine-virtuoso

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | column -t -s $$'\t'

install: $(STAMP)  ## set up .venv with ungraph and its development tools (idempotent)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

system-deps:  ## Debian packages for the browser tests, the UI assets and the remote-store tests and the serving benchmark: chromium, nodejs, npm, virtuoso-opensource, wrk (idempotent)
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v node >/dev/null || missing="$$missing nodejs"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	command -v virtuoso-t >/dev/null || missing="$$missing virtuoso-opensource"; \
	command -v wrk >/dev/null || missing="$$missing wrk"; \
	if [ -n "$$missing" ]; then \
	  echo "apt-get install$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

ui-assets: system-deps $(VENDOR)/.installed  ## install YASGUI (npm ci, package-lock.json) into the app's static folder

$(VENDOR)/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	mkdir -p $(VENDOR)
	cp $(YASGUI_BUILD)/yasgui.min.js $(YASGUI_BUILD)/yasgui.min.css node_modules/@zazuko/yasgui/package.json $(VENDOR)/
	touch $@

run: install ui-assets  ## build the graph from the sample corpus, export the dumps and serve it
	$(BIN)/ungraph build --store $(STORE)
	$(BIN)/ungraph export --store $(STORE) --out $(DUMPS)
	@echo "ungraph: serving http://$(HOST):$(PORT)/ (SPARQL endpoint http://$(HOST):$(PORT)/sparql)"
	UNGRAPH_DOWNLOADS=$(DUMPS) $(BIN)/ungraph serve --store $(STORE) --host $(HOST) --port $(PORT)

lint: install  ## ruff (lint + format check) and mypy
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

format: install  ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

test: lint system-deps ui-assets  ## set up, lint, type-check and run every test (browser tests and external engines too)
	UNGRAPH_REQUIRE_ENGINES=1 $(BIN)/python -m pytest -n $(TEST_WORKERS) --durations=15 $(PYTEST_ARGS)

engine-oxigraph: install  ## run Oxigraph server on loopback (data in var/engines/oxigraph) and print its --store location
	$(BIN)/python -m ungraph.engines oxigraph --data var/engines/oxigraph

engine-virtuoso: install system-deps  ## run Virtuoso on loopback (data in var/engines/virtuoso) and print its --store location
	$(BIN)/python -m ungraph.engines virtuoso --data var/engines/virtuoso

bench: install  ## run the benchmarks; results under bench/results/
	$(BIN)/python -m bench

docs: install  ## build the ontology's HTML documentation into var/docs
	mkdir -p var/docs
	$(BIN)/ungraph ontology-docs --out var/docs/ontology.html

clean:  ## remove build outputs (not the virtual environment)
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
