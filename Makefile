# Two commands on a fresh machine with Python 3.11: `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home

.PHONY: demo test lint bench ui system-deps clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

$(BIN)/.bench-installed: $(BIN)/.installed
	$(BIN)/pip install -q -e '.[dev,bench]'
	touch $@

# Debian packages for the browser and PostgreSQL tests (root on this kind of machine).
system-deps:
	@command -v chromium >/dev/null && command -v pg_ctlcluster >/dev/null || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium postgresql >/dev/null; }

demo: $(BIN)/.installed
	$(BIN)/ddss demo

test: $(BIN)/.installed system-deps
	$(BIN)/ruff check .
	$(BIN)/pytest -q

bench: $(BIN)/.bench-installed
	$(BIN)/python -m bench.run_all

ui: $(BIN)/.installed
	$(BIN)/ddss ui

clean:
	find data/raw data/clean -mindepth 1 ! -name .gitkeep ! -name README.md -delete; rm -rf data/truth .dagster_home
