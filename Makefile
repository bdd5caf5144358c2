# ungraph — one entry point for humans and CI. Every target sets up what it needs first.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
HOST ?= 127.0.0.1
STORE ?= var/store
PYTEST_ARGS ?=

.PHONY: help install run test lint format bench docs clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | column -t -s $$'\t'

install: $(STAMP)  ## set up .venv with ungraph and its development tools (idempotent)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

run: install  ## build the graph from the sample corpus on the embedded store and serve it
	$(BIN)/ungraph build --store $(STORE)
	$(BIN)/ungraph serve --store $(STORE) --host $(HOST) --port $(PORT)

lint: install  ## ruff (lint + format check) and mypy
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

format: install  ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

test: lint  ## set up, lint, type-check and run every test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install  ## run the benchmarks; results under bench/results/
	$(BIN)/python -m bench

docs: install  ## build the ontology's HTML documentation into var/docs
	mkdir -p var/docs
	$(BIN)/ungraph ontology-docs --out var/docs/ontology.html

clean:  ## remove build outputs (not the virtual environment)
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
