# trendpath: one entry point for people and CI. Every target sets up .venv first if needed.
VENV ?= .venv
PY := $(VENV)/bin/python
TORCH_VERSION ?= 2.13.0
PYTEST_WORKERS ?= auto
STAMP := $(VENV)/.installed

.PHONY: setup run test lint format bench mutation clean

setup: $(STAMP)

# torch is pinned first so the project's looser range is already satisfied: pip then never
# pulls a multi-GB CUDA build on CPU machines that carry the local CPU wheel.
$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q "torch==$(TORCH_VERSION)"
	$(PY) -m pip install -q -e ".[dev,llm]"
	@touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/trendpath run

lint: $(STAMP)
	$(VENV)/bin/ruff format --check src tests bench tools
	$(VENV)/bin/ruff check src tests bench tools
	$(VENV)/bin/mypy

test: lint
	$(VENV)/bin/pytest -n $(PYTEST_WORKERS) --dist loadgroup -p no:cacheprovider

format: $(STAMP)
	$(VENV)/bin/ruff format src tests bench tools
	$(VENV)/bin/ruff check --fix src tests bench tools

bench: $(STAMP)
	$(PY) -m pip install -q -e ".[bench]"
	$(PY) -m bench.all

# Mutation testing of six core modules against their own tests (tools/mutation.py; slow).
mutation: $(STAMP)
	$(PY) -m pip install -q -e ".[mutation]"
	$(PY) tools/mutation.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
